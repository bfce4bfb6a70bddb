// The Lambda runtime lattice-local runs a Node.js function's handler in: one process per
// worker, one invocation at a time. Requests and answers are JSON lines on stdin and stdout;
// what the function logs goes to stderr.
const path = require("path");
const readline = require("readline");
const { pathToFileURL } = require("url");
const [codeDir, handler] = process.argv.slice(1);
const write = process.stdout.write.bind(process.stdout);
console.log = console.info = console.debug = console.error;
process.chdir(codeDir);

const failure = (errorType, errorMessage, stack) => ({ error: { errorMessage, errorType, stackTrace: stack ? String(stack).split("\n") : [] } });

async function load() {
  const dot = handler.lastIndexOf(".");
  const [file, name] = [handler.slice(0, dot), handler.slice(dot + 1)];
  const base = path.resolve(codeDir, file);
  for (const ext of [".js", ".cjs", ".mjs"]) {
    const candidate = base + ext;
    if (!require("fs").existsSync(candidate)) continue;
    const mod = ext === ".mjs" ? await import(pathToFileURL(candidate).href) : require(candidate);
    const fn = mod[name] ?? (mod.default && mod.default[name]);
    if (typeof fn !== "function") throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
    return fn;
  }
  throw Object.assign(new Error(`Cannot find module '${file}'`), { name: "Runtime.ImportModuleError" });
}

const loaded = load().then((fn) => ({ fn }), (e) => ({ init: failure(e.name || "Runtime.ImportModuleError", `Error: ${e.message}`, e.stack) }));

function call(fn, event, context) {
  if (fn.length >= 3) {
    return new Promise((resolve, reject) => {
      const r = fn(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (r && typeof r.then === "function") r.then(resolve, reject);
    });
  }
  return Promise.resolve(fn(event, context));
}

const queue = [];
let busy = false;
async function next() {
  if (busy || queue.length === 0) return;
  busy = true;
  const request = queue.shift();
  const { fn, init } = await loaded;
  let answer;
  if (init) {
    answer = init;
  } else {
    const context = {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: request.arn,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: request.id,
      logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      logStreamName: "lattice-local",
      getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
      callbackWaitsForEmptyEventLoop: true,
    };
    try {
      answer = { result: (await call(fn, request.event, context)) ?? null };
    } catch (e) {
      answer = failure((e && e.name) || "Error", (e && e.message) || String(e), e && e.stack);
    }
  }
  let text;
  try { text = JSON.stringify(answer); } catch (e) { text = JSON.stringify(failure("Runtime.MarshalError", e.message)); }
  write(text + "\n");
  busy = false;
  next();
}

readline.createInterface({ input: process.stdin }).on("line", (line) => { queue.push(JSON.parse(line)); next(); });
