"""Every diagnostic code graphspec prints, as named constants: `GSnnn`, a heading, an explanation.

The one owner of codes (as mypy's errorcodes.py): a Diagnostic is made with one of these
constants, never a bare string, and a code once published is never reused or renumbered.
"""

from __future__ import annotations


class Code(str):
    """A stable code `GSnnn` with its heading (a few words) and a one-line explanation; a str,
    so that it prints, compares and serialises as the code itself."""

    heading: str
    explanation: str

    def __new__(cls, code: str, heading: str, explanation: str) -> Code:
        self = super().__new__(cls, code)
        self.heading = heading
        self.explanation = explanation
        return self


RANGES = {
    "GS1": "load: YAML, the loader's caps, tags, keys, files",
    "GS2": "schema: keys, types, values, the version",
    "GS3": "names and references: layers, arguments, Keras names, ids, blocks, includes",
    "GS4": "graph: cycles, name collisions, what no output needs",
    "GS5": "static shapes",
    "GS6": "build: what Keras refused, the parameter budget, saving",
    "GS7": "expect: facts the built model breaks",
    "GS8": "import: what the language cannot express",
}
"""The hundreds: one stage of the compiler each."""

# ---- load ---------------------------------------------------------------------------------------
INVALID_YAML = Code("GS101", "invalid YAML", "The file is not well-formed YAML.")
DUPLICATE_KEY = Code(
    "GS102", "duplicate key", "A mapping gives the same key twice; YAML would keep one."
)
KEY_NOT_STRING = Code("GS103", "key not a string", "A mapping key is a number, boolean or null.")
TAG_NOT_ALLOWED = Code(
    "GS104", "tag not allowed", "Only the standard tags; no tag constructs objects."
)
VALUE_NOT_OF_TAG = Code("GS105", "value does not fit its tag", "`!!int abc` and the like.")
FILE_TOO_LARGE = Code("GS106", "file too large", "A spec file is at most 4 MiB.")
NESTING_TOO_DEEP = Code("GS107", "nesting too deep", "Mappings and lists nest at most 64 levels.")
TOO_MANY_VALUES = Code(
    "GS108", "too many values", "A document, aliases expanded, holds at most 10^6 values."
)
TOO_MANY_YAML_EVENTS = Code(
    "GS109", "too many YAML events", "A document has at most 2·10^6 YAML events."
)
CANNOT_READ_FILE = Code(
    "GS110", "cannot read the file", "The operating system refused to read the file."
)
NOT_UTF8 = Code("GS111", "not UTF-8", "A spec file is UTF-8 text.")
INTEGER_OUT_OF_RANGE = Code(
    "GS112", "integer out of range", "Integers are at most 2^63 - 1, either sign."
)
NOT_PLAIN_DATA = Code(
    "GS113", "not plain data", "A spec given as data holds a value YAML could not have written."
)
DATA_REFERS_TO_ITSELF = Code(
    "GS114", "data refers to itself", "A spec given as data contains itself (no YAML can)."
)

# ---- schema -------------------------------------------------------------------------------------
NOT_A_SPEC = Code("GS201", "not a spec", "The document is not a mapping (empty, a list, a scalar).")
UNSUPPORTED_VERSION = Code("GS202", "unsupported version", "`graphspec:` is not 1.")
UNKNOWN_KEY = Code("GS203", "unknown key", "A key this part of the spec does not have.")
MISSING_KEY = Code("GS204", "missing key", "A key this part of the spec requires is not given.")
WRONG_TYPE = Code("GS205", "wrong type", "A value of the wrong type (a string for a number, …).")
VALUE_OUT_OF_RANGE = Code(
    "GS206", "value out of range", "A number or list outside its allowed range."
)
INVALID_ID = Code("GS207", "invalid id", "Ids match [A-Za-z_][A-Za-z0-9_]*.")
NAME_NOT_ACCEPTED = Code(
    "GS208", "'name' not accepted", "An entry's id is its Keras name; no `name:` key."
)
UNKNOWN_DTYPE = Code("GS209", "unknown dtype", "An input's dtype is not one Keras allows.")
NOT_EXACTLY_ONE_KIND = Code(
    "GS210", "not exactly one kind", "A node or shared entry names none or several kinds."
)
KEY_NOT_TAKEN_HERE = Code(
    "GS211", "key not taken here", "A `use:`/`block:` node or `spec:`/`graph:` entry key."
)
MALFORMED_REFERENCE = Code(
    "GS212", "malformed reference", "A reference is `id`, `id.K` or `id.NAME`."
)
NO_OUTPUTS = Code("GS213", "no outputs", "A graph needs at least one output.")
OUTPUT_LISTED_TWICE = Code(
    "GS214", "output listed twice", "An output appears more than once in `outputs:`."
)
MALFORMED_KERAS_NAME = Code(
    "GS215", "malformed Keras name", "A Keras name or `{name: …, <keyword arguments>}`."
)
NON_FINITE_NUMBER = Code(
    "GS216", "not a finite number", "NaN, or an infinity where a finite number is needed."
)
CONTROL_CHARACTER = Code(
    "GS217", "control character", "A name holds a control character (ESC, CR, a newline…)."
)
OP_ARGUMENT_NOT_CONSTANT = Code(
    "GS230",
    "op argument not a constant",
    "An op's `args` and keywords are numbers, booleans, strings, null, or lists of them.",
)
MALFORMED_OP_INPUTS = Code(
    "GS231",
    "malformed op inputs",
    "An op's inputs: a reference, or a list (of references or lists).",
)

# ---- names and references -----------------------------------------------------------------------
UNKNOWN_LAYER = Code(
    "GS301", "unknown layer", "No public Keras layer (or custom object) of that name."
)
REFUSED_LAYER = Code(
    "GS302", "refused layer", "A layer that runs code, reads files or is abstract."
)
UNKNOWN_KEYWORD_ARGUMENT = Code(
    "GS303", "unknown keyword argument", "A constructor does not take this keyword."
)
UNKNOWN_CALL_KEYWORD = Code(
    "GS304", "unknown call keyword", "The layer's call does not take this keyword."
)
TOO_MANY_ARGS = Code(
    "GS305", "too many positional arguments", "More `args:` than the constructor takes."
)
MISSING_ARGUMENT = Code(
    "GS306", "missing argument", "The constructor needs an argument that is not given."
)
BOOLEAN_AS_STRING = Code("GS307", "boolean as a string", "yes/no/on/off are strings in YAML 1.2.")
KERAS_CONFIG_REFUSED = Code(
    "GS308", "Keras config refused", "A mapping with `class_name` or `module`."
)
FILE_ARGUMENT_REFUSED = Code(
    "GS309", "file argument refused", "A preprocessing argument that would read a file."
)
UNKNOWN_ACTIVATION = Code("GS310", "unknown activation", "No Keras activation of that name.")
UNKNOWN_INITIALIZER = Code("GS311", "unknown initializer", "No Keras initializer of that name.")
UNKNOWN_REGULARIZER = Code("GS312", "unknown regularizer", "No Keras regularizer of that name.")
UNKNOWN_CONSTRAINT = Code("GS313", "unknown constraint", "No Keras constraint of that name.")
UNKNOWN_LOSS = Code("GS314", "unknown loss", "No Keras loss of that name.")
UNKNOWN_METRIC = Code("GS315", "unknown metric", "No Keras metric of that name.")
UNKNOWN_OPTIMIZER = Code("GS316", "unknown optimizer", "No Keras optimizer of that name.")
UNKNOWN_APPLICATION = Code(
    "GS317", "unknown application", "No keras.applications model of that name."
)
APPLICATION_WEIGHTS = Code("GS318", "application weights", "An application needs `weights: null`.")
APPLICATION_ARGUMENT_MAPPING = Code(
    "GS319", "application argument not plain", "A mapping for an application argument."
)
UNKNOWN_REFERENCE = Code("GS320", "unknown reference", "A reference to no input or node in scope.")
NO_SUCH_OUTPUT = Code(
    "GS321", "no such output", "An output index or name a multi-output value lacks."
)
NO_NAMED_OUTPUTS = Code(
    "GS322", "no named outputs", "`id.NAME` on a value whose outputs have no names."
)
UNKNOWN_SHARED_ID = Code("GS323", "unknown shared id", "`use:` names no shared entry in scope.")
UNKNOWN_BLOCK = Code("GS324", "unknown block", "`block:` names no block in scope.")
BLOCK_USES_ITSELF = Code(
    "GS325", "block uses itself", "A block expands itself, directly or through others."
)
UNKNOWN_BLOCK_PARAMETER = Code(
    "GS326", "unknown block parameter", "A block use gives a parameter it lacks."
)
MISSING_BLOCK_PARAMETER = Code(
    "GS327", "missing block parameter", "A block parameter without default is not given."
)
BLOCK_INPUT_COUNT = Code(
    "GS328", "block input count", "A block use gives too many or too few inputs."
)
UNKNOWN_BLOCK_INPUT = Code(
    "GS329", "unknown block input", "A block use names an input the block lacks."
)
BLOCK_INPUT_NOT_GIVEN = Code(
    "GS330", "block input not given", "A block use leaves a formal input unbound."
)
LIST_FOR_BLOCK_INPUT = Code("GS331", "list for a block input", "A block input takes one reference.")
UNKNOWN_BLOCK_OUTPUT = Code(
    "GS332", "unknown block output", "A block output names none of its inputs and nodes."
)
REPEAT_WITH_SEVERAL_INPUTS = Code(
    "GS333", "repeat with several inputs", "`repeat` chains one input through copies."
)
REPEAT_OF_MULTI_PORT_BLOCK = Code(
    "GS334", "repeat of a multi-port block", "`repeat` needs one input and one output."
)
EXPRESSION_SYNTAX = Code("GS335", "expression syntax", "A `${…}` expression does not parse.")
EXPRESSION_CONSTRUCT = Code(
    "GS336", "expression construct", "Calls, attributes, indexing, strings: not allowed."
)
UNKNOWN_PARAMETER = Code(
    "GS337", "unknown parameter", "A `$name` or expression names no block parameter."
)
DIVISION_BY_ZERO = Code("GS338", "division by zero", "A `${…}` expression divides by zero.")
PARAMETER_NOT_A_NUMBER = Code(
    "GS339", "parameter not a number", "Arithmetic on a parameter that is not a number."
)
STRAY_DOLLAR = Code("GS340", "stray `$`", "A `$` that is not `$name`, `${…}` or `$$`.")
UNKNOWN_OUTPUT = Code("GS341", "unknown output", "An output names no node or input of the graph.")
MULTI_OUTPUT_AS_OUTPUT = Code(
    "GS342", "multi-output block as output", "An output must be one value."
)
LOSS_GIVEN_TWICE = Code("GS343", "loss given twice", "A loss both model-wide and on an output.")
COMPILE_NOT_AN_OUTPUT = Code(
    "GS344", "not an output", "A per-output compile setting names no output."
)
ABSOLUTE_INCLUDE = Code(
    "GS345", "absolute include", "`spec:` paths are relative to the including file."
)
INCLUDE_OUTSIDE = Code(
    "GS346", "include outside", "`spec:` leaves the spec's directory and --allow-path."
)
NO_SUCH_INCLUDE = Code("GS347", "no such include", "`spec:` names a file that does not exist.")
INCLUDE_LOOP = Code("GS348", "include loop", "Spec files include each other in a loop.")
UNUSABLE_INCLUDE_PATH = Code(
    "GS349", "unusable include path", "A NUL, a path too long, a loop of symbolic links."
)
INCLUDE_WITHOUT_BASE = Code(
    "GS350", "include without a directory", "A spec given as data includes without base_dir."
)
LAYER_INPUT_SHAPE = Code(
    "GS351", "input shape on a layer", "Keras ignores a layer's input_shape in a model."
)
WRONG_ARGUMENT_TYPE = Code(
    "GS352", "wrong argument type", "An argument's value is not of the type Keras's default is."
)
UNKNOWN_OP = Code("GS360", "unknown op", "No keras.ops function of that name is on the allow-list.")
REFUSED_OP = Code(
    "GS361", "refused op", "A keras.ops function that is not a pure function of its tensor inputs."
)
UNKNOWN_OP_ARGUMENT = Code(
    "GS362", "unknown op argument", "The keras.ops function takes no argument of that name."
)
OP_ARGUMENT_GIVEN_TWICE = Code(
    "GS363", "op argument given twice", "An op's argument given by position and by keyword."
)
MISSING_OP_ARGUMENT = Code(
    "GS364", "missing op argument", "A required argument of the keras.ops function is not given."
)
TOO_MANY_OP_ARGUMENTS = Code(
    "GS365", "too many op arguments", "More inputs and `args` than the function's parameters."
)
TENSOR_FOR_CONSTANT = Code(
    "GS366", "tensor for a constant", "A tensor input where the operation takes a constant."
)
LIST_ARGUMENT_MISMATCH = Code(
    "GS367", "list argument mismatch", "A list of tensors where one is taken, or one for a list."
)
UNKNOWN_APPLICATION_LAYER = Code(
    "GS370", "unknown application layer", "An application's `outputs:` names none of its layers."
)

# fit: callbacks (graphspec/resolve/fit_settings.py, callbacks.py)
UNKNOWN_CALLBACK = Code(
    "GS380", "unknown callback", "No Keras callback graphspec offers by that name."
)
REFUSED_CALLBACK = Code(
    "GS381", "refused callback", "A Keras callback that runs code, reads files or calls out."
)
CALLBACK_ARGUMENT = Code(
    "GS382", "callback argument", "A callback argument of the wrong type or out of range."
)
UNKNOWN_MONITOR = Code(
    "GS383", "unknown monitor", "A monitored or `{placeholder}` quantity the model does not log."
)
CALLBACK_PATH_OUTSIDE = Code(
    "GS384",
    "callback path outside",
    "A callback path leaves the working directory and --allow-path.",
)
PATH_PLACEHOLDER = Code(
    "GS385", "path placeholder", "A `{…}` in a callback path that is not `{name}` or `{name:.2f}`."
)
CHECKPOINT_SUFFIX = Code(
    "GS386", "checkpoint suffix", "ModelCheckpoint saves to .keras (.weights.h5 for weights only)."
)

# ---- graph --------------------------------------------------------------------------------------
CYCLE = Code("GS401", "cycle", "Nodes depend on each other in a loop.")
DUPLICATE_ID = Code("GS402", "duplicate id", "Inputs, nodes, shared entries and blocks share ids.")
KERAS_NAME_TAKEN = Code(
    "GS403", "Keras name taken", "An expanded node's Keras name collides with another."
)
UNUSED_NODE = Code("GS404", "unused node", "Warning: no output depends on this node.")
UNUSED_INPUT = Code("GS405", "unused input", "Warning: no output depends on this input.")
SHARED_LAYER_USED_ONCE = Code(
    "GS406", "shared layer used once", "Warning: sharing a layer called once shares nothing."
)
UNUSED_SHARED_ENTRY = Code(
    "GS407", "unused shared entry", "Warning: no node calls this shared entry."
)
TOO_MANY_NODES = Code(
    "GS408", "too many nodes", "Repeats, blocks and includes expand to over 50,000 nodes."
)
TOO_MANY_INCLUDES = Code(
    "GS409", "too many includes", "A spec includes `spec:` files over 1,000 times in all."
)
TOO_MUCH_INCLUDED_TEXT = Code(
    "GS410", "too much included text", "The files a spec includes hold over 16 MiB in all."
)
SUBMODELS_TOO_DEEP = Code(
    "GS411", "sub-models too deep", "Sub-models nest in one another over 32 deep."
)
BLOCKS_TOO_DEEP = Code("GS412", "blocks too deep", "Blocks use blocks over 32 deep.")
GRAPH_TOO_DEEP = Code(
    "GS413", "graph too deep", "A chain of over 1,500 layers: Keras would run out of recursion."
)

# ---- static shapes (graphspec/shapes/) ---------------------------------------------------------
INPUTS_DO_NOT_MATCH = Code(
    "GS501", "inputs do not match", "A merging layer's inputs differ in shape or count."
)
WRONG_RANK_OR_AXIS = Code(
    "GS502", "wrong rank or axis", "An input of the wrong rank, or an axis it lacks."
)
EMPTY_OUTPUT = Code("GS503", "empty output", "A window or crop larger than the input.")
SIZES_DO_NOT_FIT = Code(
    "GS504", "sizes do not fit", "A size the layer needs is unknown or does not match."
)
TENSOR_TOO_LARGE = Code(
    "GS505", "tensor too large", "An input or output holds more values per example than the cap."
)
SHAPE_UNKNOWN = Code(
    "GS590", "shape unknown", "Note: no static rule for this layer; the build checks it."
)

# ---- build --------------------------------------------------------------------------------------
KERAS_REFUSED_LAYER = Code("GS601", "Keras refused a layer", "The layer's constructor raised.")
KERAS_REFUSED_APPLICATION = Code(
    "GS602", "Keras refused an application", "The application's constructor raised."
)
KERAS_REFUSED_INPUT = Code("GS603", "Keras refused an input", "keras.Input raised.")
KERAS_REFUSED_CALL = Code(
    "GS604", "Keras refused a call", "Calling the layer on its inputs raised."
)
KERAS_REFUSED_MODEL = Code("GS605", "Keras refused the model", "keras.Model raised.")
KERAS_REFUSED_TO_COMPILE = Code("GS606", "Keras refused to compile", "model.compile raised.")
PARAMETER_BUDGET = Code(
    "GS607", "parameter budget", "The model declares more parameters than --max-params."
)
CANNOT_SAVE = Code(
    "GS608", "cannot save", "Keras could not save the built model; the output is unchanged."
)
KERAS_REFUSED_TRAINING_OBJECT = Code(
    "GS609",
    "Keras refused a training object",
    "An optimizer, loss or metric Keras cannot make or use on the model's outputs.",
)

# fit (graphspec/keras/train.py)
KERAS_REFUSED_CALLBACK = Code(
    "GS630", "Keras refused a callback", "A callback's constructor raised (graphspec fit)."
)
KERAS_FAILED_TO_TRAIN = Code(
    "GS631", "Keras failed to train", "model.fit raised: the settings do not train (graphspec fit)."
)

# backends (graphspec/keras/backend_rules.py; checked before building)
NOT_ON_THIS_BACKEND = Code(
    "GS640",
    "not on this backend",
    "Keras supports this layer, argument or input only on other backends (--backend).",
)
DIFFERS_ON_THIS_BACKEND = Code(
    "GS641",
    "differs on this backend",
    "Keras computes this layer differently on this backend: predictions differ (a warning).",
)

# ---- expect -------------------------------------------------------------------------------------
EXPECTED_PARAMS = Code(
    "GS701", "parameter count", "The model's parameter count differs from `expect:`."
)
EXPECTED_OUTPUT_SHAPE = Code("GS702", "output shape", "An output's shape differs from `expect:`.")
EXPECTED_NOT_AN_OUTPUT = Code(
    "GS703", "not a model output", "`expect.output_shapes` names no output of the model."
)

# ---- import (graphspec/keras/importer/) -------------------------------------------------------
IMPORT_UNKNOWN_LAYER = Code(
    "GS801",
    "layer not in the language",
    "A layer class that is not one of Keras's own public layers and was not given with --plugin.",
)
IMPORT_REFUSED_LAYER = Code(
    "GS802", "refused layer", "A Lambda, or a layer that runs foreign code or loads files."
)
IMPORT_RAW_OPERATION = Code(
    "GS803",
    "raw operation",
    "A keras.ops call in the graph that no function on the `op:` allow-list makes.",
)
IMPORT_SUB_MODEL = Code(
    "GS804",
    "sub-model not expressible",
    "A subclassed model, or a Sequential holding more than layers.",
)
IMPORT_ARGUMENT = Code(
    "GS805",
    "argument not expressible",
    "A constructor or call argument that is not plain data, a Keras name or a layer.",
)
IMPORT_GRAPH = Code(
    "GS806",
    "graph not expressible",
    "Call inputs, model inputs or outputs, or sharing in a form the language lacks.",
)
IMPORT_COMPILE = Code(
    "GS807",
    "compile setting not expressible",
    "A loss, metric or optimizer that is not Keras's own, or a compile option the language lacks.",
)
IMPORT_CANNOT_LOAD = Code(
    "GS808", "cannot load the model", "Keras could not load the .keras file (in safe mode)."
)


CODES: dict[str, Code] = dict(
    sorted((c, c) for c in list(globals().values()) if isinstance(c, Code))
)
"""Every code by its `GSnnn`; codes are never reused: a retired code stays out for good."""
