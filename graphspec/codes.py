"""Every diagnostic code graphspec prints: `GSnnn` → a short title and a one-line explanation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    title: str
    explanation: str


RANGES = {
    "GS1": "load: YAML, the loader's caps, tags, keys, files",
    "GS2": "schema: keys, types, values, the version",
    "GS3": "names and references: layers, arguments, Keras names, ids, blocks, includes",
    "GS4": "graph: cycles, name collisions, what no output needs",
    "GS5": "static shapes",
    "GS6": "build: what Keras refused, the parameter budget, saving",
    "GS7": "expect: facts the built model breaks",
}
"""The hundreds: one stage of the compiler each."""

CODES: dict[str, Code] = {
    # ---- load ---------------------------------------------------------------------------
    "GS101": Code("invalid YAML", "The file is not well-formed YAML."),
    "GS102": Code("duplicate key", "A mapping gives the same key twice; YAML would keep one."),
    "GS103": Code("key not a string", "A mapping key is a number, boolean or null."),
    "GS104": Code("tag not allowed", "Only the standard tags; no tag constructs objects."),
    "GS105": Code("value does not fit its tag", "`!!int abc` and the like."),
    "GS106": Code("file too large", "A spec file is at most 4 MiB."),
    "GS107": Code("nesting too deep", "Mappings and lists nest at most 64 levels."),
    "GS108": Code("too many values", "A document, aliases expanded, holds at most 10^6 values."),
    "GS109": Code("too many YAML events", "A document has at most 2·10^6 YAML events."),
    "GS110": Code("cannot read the file", "The operating system refused to read the file."),
    "GS111": Code("not UTF-8", "A spec file is UTF-8 text."),
    "GS112": Code("integer out of range", "Integers are at most 2^63 - 1, either sign."),
    # ---- schema -------------------------------------------------------------------------
    "GS201": Code("not a spec", "The document is not a mapping (empty, a list, a scalar)."),
    "GS202": Code("unsupported version", "`graphspec:` is not 1."),
    "GS203": Code("unknown key", "A key this part of the spec does not have."),
    "GS204": Code("missing key", "A key this part of the spec requires is not given."),
    "GS205": Code("wrong type", "A value of the wrong type (a string for a number, …)."),
    "GS206": Code("value out of range", "A number or list outside its allowed range."),
    "GS207": Code("invalid id", "Ids match [A-Za-z_][A-Za-z0-9_]*."),
    "GS208": Code("'name' not accepted", "An entry's id is its Keras name; no `name:` key."),
    "GS209": Code("unknown dtype", "An input's dtype is not one Keras allows."),
    "GS210": Code("not exactly one kind", "A node or shared entry names none or several kinds."),
    "GS211": Code("key not taken here", "A `use:`/`block:` node or `spec:`/`graph:` entry key."),
    "GS212": Code("malformed reference", "A reference is `id`, `id.K` or `id.NAME`."),
    "GS213": Code("no outputs", "A graph needs at least one output."),
    "GS214": Code("output listed twice", "An output appears more than once in `outputs:`."),
    "GS215": Code("malformed Keras name", "A Keras name or `{name: …, <keyword arguments>}`."),
    # ---- names and references -----------------------------------------------------------
    "GS301": Code("unknown layer", "No public Keras layer (or custom object) of that name."),
    "GS302": Code("refused layer", "A layer that runs code, reads files or is abstract."),
    "GS303": Code("unknown keyword argument", "A constructor does not take this keyword."),
    "GS304": Code("unknown call keyword", "The layer's call does not take this keyword."),
    "GS305": Code("too many positional arguments", "More `args:` than the constructor takes."),
    "GS306": Code("missing argument", "The constructor needs an argument that is not given."),
    "GS307": Code("boolean as a string", "yes/no/on/off are strings in YAML 1.2."),
    "GS308": Code("Keras config refused", "A mapping with `class_name` or `module`."),
    "GS309": Code("file argument refused", "A preprocessing argument that would read a file."),
    "GS310": Code("unknown activation", "No Keras activation of that name."),
    "GS311": Code("unknown initializer", "No Keras initializer of that name."),
    "GS312": Code("unknown regularizer", "No Keras regularizer of that name."),
    "GS313": Code("unknown constraint", "No Keras constraint of that name."),
    "GS314": Code("unknown loss", "No Keras loss of that name."),
    "GS315": Code("unknown metric", "No Keras metric of that name."),
    "GS316": Code("unknown optimizer", "No Keras optimizer of that name."),
    "GS317": Code("unknown application", "No keras.applications model of that name."),
    "GS318": Code("application weights", "An application needs `weights: null`."),
    "GS319": Code("application argument not plain", "A mapping for an application argument."),
    "GS320": Code("unknown reference", "A reference to no input or node in scope."),
    "GS321": Code("no such output", "An output index or name a multi-output value lacks."),
    "GS322": Code("no named outputs", "`id.NAME` on a value whose outputs have no names."),
    "GS323": Code("unknown shared id", "`use:` names no shared entry in scope."),
    "GS324": Code("unknown block", "`block:` names no block in scope."),
    "GS325": Code("block uses itself", "A block expands itself, directly or through others."),
    "GS326": Code("unknown block parameter", "A block use gives a parameter it lacks."),
    "GS327": Code("missing block parameter", "A block parameter without default is not given."),
    "GS328": Code("block input count", "A block use gives too many or too few inputs."),
    "GS329": Code("unknown block input", "A block use names an input the block lacks."),
    "GS330": Code("block input not given", "A block use leaves a formal input unbound."),
    "GS331": Code("list for a block input", "A block input takes one reference."),
    "GS332": Code("unknown block output", "A block output names none of its inputs and nodes."),
    "GS333": Code("repeat with several inputs", "`repeat` chains one input through copies."),
    "GS334": Code("repeat of a multi-port block", "`repeat` needs one input and one output."),
    "GS335": Code("expression syntax", "A `${…}` expression does not parse."),
    "GS336": Code("expression construct", "Calls, attributes, indexing, strings: not allowed."),
    "GS337": Code("unknown parameter", "A `$name` or expression names no block parameter."),
    "GS338": Code("division by zero", "A `${…}` expression divides by zero."),
    "GS339": Code("parameter not a number", "Arithmetic on a parameter that is not a number."),
    "GS340": Code("stray `$`", "A `$` that is not `$name`, `${…}` or `$$`."),
    "GS341": Code("unknown output", "An output names no node or input of the graph."),
    "GS342": Code("multi-output block as output", "An output must be one value."),
    "GS343": Code("loss given twice", "A loss both model-wide and on an output."),
    "GS344": Code("not an output", "A per-output compile setting names no output."),
    "GS345": Code("absolute include", "`spec:` paths are relative to the including file."),
    "GS346": Code("include outside", "`spec:` leaves the spec's directory and --allow-path."),
    "GS347": Code("no such include", "`spec:` names a file that does not exist."),
    "GS348": Code("include loop", "Spec files include each other in a loop."),
    # ---- graph --------------------------------------------------------------------------
    "GS401": Code("cycle", "Nodes depend on each other in a loop."),
    "GS402": Code("duplicate id", "Inputs, nodes, shared entries and blocks share ids."),
    "GS403": Code("Keras name taken", "An expanded node's Keras name collides with another."),
    "GS404": Code("unused node", "Warning: no output depends on this node."),
    "GS405": Code("unused input", "Warning: no output depends on this input."),
    "GS406": Code("shared layer used once", "Warning: sharing a layer called once shares nothing."),
    "GS407": Code("unused shared entry", "Warning: no node calls this shared entry."),
    "GS408": Code("too many nodes", "Repeats, blocks and includes expand to over 50,000 nodes."),
    "GS409": Code("too many includes", "A spec includes `spec:` files over 1,000 times in all."),
    # ---- static shapes (graphspec/shapes.py, shape_rules.py) ---------------------------
    "GS501": Code("inputs do not match", "A merging layer's inputs differ in shape or count."),
    "GS502": Code("wrong rank or axis", "An input of the wrong rank, or an axis it lacks."),
    "GS503": Code("empty output", "A window or crop larger than the input."),
    "GS504": Code("sizes do not fit", "A size the layer needs is unknown or does not match."),
    "GS590": Code("shape unknown", "Note: no static rule for this layer; the build checks it."),
    # ---- build --------------------------------------------------------------------------
    "GS601": Code("Keras refused a layer", "The layer's constructor raised."),
    "GS602": Code("Keras refused an application", "The application's constructor raised."),
    "GS603": Code("Keras refused an input", "keras.Input raised."),
    "GS604": Code("Keras refused a call", "Calling the layer on its inputs raised."),
    "GS605": Code("Keras refused the model", "keras.Model raised."),
    "GS606": Code("Keras refused to compile", "model.compile raised."),
    "GS607": Code("parameter budget", "The model declares more parameters than --max-params."),
    "GS608": Code("cannot save", "Keras could not save the built model; the output is unchanged."),
    # ---- expect -------------------------------------------------------------------------
    "GS701": Code("parameter count", "The model's parameter count differs from `expect:`."),
    "GS702": Code("output shape", "An output's shape differs from `expect:`."),
    "GS703": Code("not a model output", "`expect.output_shapes` names no output of the model."),
}
"""Codes are never reused: a retired code stays out of this table for good."""
