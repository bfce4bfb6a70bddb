# The Lambda runtime lattice-local runs a Python function's handler in: one process per worker,
# one invocation at a time. Requests and answers are JSON lines on stdin and stdout; what the
# function prints goes to stderr.
import importlib, json, os, sys, time, traceback

code_dir, handler = sys.argv[1], sys.argv[2]
out = sys.stdout
sys.stdout = sys.stderr
sys.path.insert(0, code_dir)
os.chdir(code_dir)


def failure(error_type, message, stack=()):
    return {"error": {"errorMessage": message, "errorType": error_type, "stackTrace": list(stack)}}


init_error = None
try:
    module_name, function_name = handler.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
except Exception as e:
    kind = "Runtime.HandlerNotFound" if isinstance(e, AttributeError) else "Runtime.ImportModuleError"
    init_error = failure(kind, f"Unable to import module '{handler}': {e}", traceback.format_exc().splitlines())


class Context:
    def __init__(self, request):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request.get("arn", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request.get("id", "")
        self.log_group_name = "/aws/lambda/" + self.function_name
        self.log_stream_name = "lattice-local"
        self._deadline = request.get("deadline", 0)

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline - time.time() * 1000))


for line in sys.stdin:
    request = json.loads(line)
    if init_error:
        answer = init_error
    else:
        try:
            answer = {"result": function(request["event"], Context(request))}
        except Exception as e:
            answer = failure(type(e).__name__, str(e), traceback.format_exc().splitlines())
    try:
        text = json.dumps(answer)
    except (TypeError, ValueError) as e:
        text = json.dumps(failure("Runtime.MarshalError", f"Unable to marshal response: {e}"))
    out.write(text + "\n")
    out.flush()
