//! Lambda functions run here: each (function, code, configuration) gets long-lived worker
//! processes (`python3` or `node` running the bootstrap in `bootstrap/` around the zip's
//! handler), so a request pays a process start once, not per call. One invocation at a time
//! per worker; a busy function gets another worker; a worker that times out or dies is killed
//! and replaced on the next call. The zip is unpacked once, beside itself, by Python's
//! `zipfile` (which keeps entries inside the target directory).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const PYTHON: &str = include_str!("bootstrap/python.py");
const NODE: &str = include_str!("bootstrap/node.js");
/// Idle workers kept per function.
const IDLE: usize = 4;

/// What runs a Lambda API function's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    /// `python3.12`, `nodejs20.x`, …
    pub runtime: String,
    /// `module.function` (`index.handler`).
    pub handler: String,
    /// The zip.
    pub code_path: String,
    pub code_sha256: String,
    pub environment: Vec<(String, String)>,
    pub timeout_secs: u64,
    pub memory_size: i64,
    pub function_name: String,
    /// The version the invoked ARN resolves to (`$LATEST`, `3`).
    pub version: String,
    pub region: String,
    pub account: String,
}

impl FunctionSpec {
    fn key(&self) -> String {
        format!("{self:?}")
    }
}

/// Why an invocation produced no answer from the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// It ran past its timeout (the worker was killed).
    Timeout,
    /// It could not be started or died mid-call.
    Crashed(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout => write!(f, "the function timed out"),
            Failure::Crashed(why) => write!(f, "{why}"),
        }
    }
}

/// What the handler did: its result, or the error it raised (`errorMessage`, `errorType`,
/// `stackTrace`), as Lambda reports it.
pub type Outcome = Result<Value, Value>;

struct Worker {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

#[derive(Default)]
struct Pool {
    key: String,
    idle: Vec<Worker>,
}

/// The workers of every function, shared by the data plane (LAMBDA targets) and the control
/// plane (`Invoke`).
#[derive(Default)]
pub struct Workers {
    pools: Mutex<HashMap<String, Pool>>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Workers")
    }
}

impl Workers {
    /// Runs `arn`'s handler (as `spec` says) on `event`.
    pub async fn invoke(&self, spec: &FunctionSpec, arn: &str, event: &Value) -> Result<Outcome, Failure> {
        let key = spec.key();
        let idle = {
            let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
            let pool = pools.entry(arn.to_string()).or_default();
            if pool.key != key {
                // New code or configuration: the old workers go (dropping kills them).
                pool.idle.clear();
                pool.key = key.clone();
            }
            pool.idle.pop()
        };
        let mut worker = match idle {
            Some(w) => w,
            None => spawn(spec).await?,
        };
        let deadline = time_ms() + spec.timeout_secs * 1000;
        let request = json!({ "event": event, "arn": arn, "id": request_id(), "deadline": deadline });
        let call = async {
            worker.stdin.write_all(format!("{request}\n").as_bytes()).await?;
            worker.stdin.flush().await?;
            let mut line = String::new();
            worker.stdout.read_line(&mut line).await?;
            Ok::<_, std::io::Error>(line)
        };
        let line = match tokio::time::timeout(Duration::from_secs(spec.timeout_secs), call).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(Err(e)) => return Err(Failure::Crashed(format!("the function's worker failed: {e}"))),
            Ok(Ok(line)) if line.is_empty() => return Err(Failure::Crashed("the function's worker exited".into())),
            Ok(Ok(line)) => line,
        };
        let answer: Value = serde_json::from_str(&line)
            .map_err(|e| Failure::Crashed(format!("the function's worker answered something else: {e}")))?;
        {
            let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(pool) = pools.get_mut(arn).filter(|p| p.key == key && p.idle.len() < IDLE) {
                pool.idle.push(worker);
            }
        }
        match answer.get("error") {
            Some(error) => Ok(Err(error.clone())),
            None => Ok(Ok(answer.get("result").cloned().unwrap_or(Value::Null))),
        }
    }

    /// Stops every worker (the backend is stopping).
    pub fn stop(&self) {
        self.pools.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

fn time_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn request_id() -> String {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n as u32,
        (n >> 32) as u16,
        (n >> 48) as u16 & 0xfff,
        std::process::id() & 0xfff,
        n >> 64
    )
}

/// Unpacks the zip beside itself (`<sha>.zip` → `<sha>/`) once.
fn unpack(zip: &Path) -> Result<PathBuf, Failure> {
    let dir = zip.with_extension("");
    if dir.is_dir() {
        return Ok(dir);
    }
    let partial = zip.with_extension(format!("unpacking-{}", std::process::id()));
    let status = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])"])
        .arg(zip)
        .arg(&partial)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Failure::Crashed(format!("cannot run python3 to unpack the function's code: {e}")))?;
    if !status.status.success() {
        let _ = std::fs::remove_dir_all(&partial);
        let why = String::from_utf8_lossy(&status.stderr);
        return Err(Failure::Crashed(format!("the function's code is not a readable zip: {}", why.trim())));
    }
    if std::fs::rename(&partial, &dir).is_err() {
        // Another worker unpacked it first.
        let _ = std::fs::remove_dir_all(&partial);
    }
    Ok(dir)
}

async fn spawn(spec: &FunctionSpec) -> Result<Worker, Failure> {
    let zip = PathBuf::from(&spec.code_path);
    let dir =
        tokio::task::spawn_blocking(move || unpack(&zip)).await.map_err(|e| Failure::Crashed(e.to_string()))??;
    let (program, script) = if spec.runtime.starts_with("python") {
        ("python3", vec!["-u".to_string(), "-c".to_string(), PYTHON.to_string()])
    } else if spec.runtime.starts_with("nodejs") {
        ("node", vec!["-e".to_string(), NODE.to_string()])
    } else {
        return Err(Failure::Crashed(format!("runtime {} is not run here (python3.x and nodejs* are)", spec.runtime)));
    };
    let mut command = Command::new(program);
    command
        .args(script)
        .arg(&dir)
        .arg(&spec.handler)
        .env_clear()
        .envs(std::env::var("PATH").map(|p| ("PATH".to_string(), p)))
        .envs(std::env::var("HOME").map(|p| ("HOME".to_string(), p)))
        .env("LANG", "C.UTF-8")
        .env("LAMBDA_TASK_ROOT", &dir)
        .env("_HANDLER", &spec.handler)
        .env("AWS_LAMBDA_FUNCTION_NAME", &spec.function_name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", &spec.version)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", spec.memory_size.to_string())
        .env("AWS_REGION", &spec.region)
        .env("AWS_DEFAULT_REGION", &spec.region)
        .env("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", spec.runtime))
        .envs(spec.environment.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| Failure::Crashed(format!("cannot start {program}: {e}")))?;
    let stdin = child.stdin.take().ok_or_else(|| Failure::Crashed("no stdin".into()))?;
    let stdout = child.stdout.take().ok_or_else(|| Failure::Crashed("no stdout".into()))?;
    Ok(Worker { _child: child, stdin, stdout: BufReader::new(stdout) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &Path, runtime: &str, handler: &str, source: (&str, &str), timeout: u64) -> FunctionSpec {
        let zip = dir.join(format!("{runtime}.zip"));
        let status = std::process::Command::new("python3")
            .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.writestr(sys.argv[2], sys.argv[3]); z.close()"])
            .arg(&zip)
            .args([source.0, source.1])
            .status()
            .unwrap();
        assert!(status.success());
        FunctionSpec {
            runtime: runtime.into(),
            handler: handler.into(),
            code_path: zip.to_string_lossy().into_owned(),
            code_sha256: runtime.into(),
            environment: vec![("GREETING".into(), "hello".into())],
            timeout_secs: timeout,
            memory_size: 128,
            function_name: "f".into(),
            version: "$LATEST".into(),
            region: "us-east-1".into(),
            account: "000000000000".into(),
        }
    }

    #[tokio::test]
    async fn python_and_node_handlers_answer_raise_and_time_out() {
        let dir = std::env::temp_dir().join(format!("lattice-functions-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let workers = Workers::default();
        let py = spec(&dir, "python3.12", "app.handler", ("app.py", "import os, time\ndef handler(event, context):\n    if event.get('fail'): raise ValueError('bad input')\n    if event.get('sleep'): time.sleep(5)\n    return {'greeting': os.environ['GREETING'], 'got': event['n'], 'pid': os.getpid()}\n"), 1);
        let first = workers.invoke(&py, "arn:py", &json!({ "n": 1 })).await.unwrap().unwrap();
        assert_eq!((first["greeting"].clone(), first["got"].clone()), (json!("hello"), json!(1)));
        let second = workers.invoke(&py, "arn:py", &json!({ "n": 2 })).await.unwrap().unwrap();
        assert_eq!(second["pid"], first["pid"], "the warm worker answers again");
        let raised = workers.invoke(&py, "arn:py", &json!({ "fail": true })).await.unwrap().unwrap_err();
        assert_eq!(
            (raised["errorType"].clone(), raised["errorMessage"].clone()),
            (json!("ValueError"), json!("bad input"))
        );
        assert_eq!(workers.invoke(&py, "arn:py", &json!({ "sleep": true })).await, Err(Failure::Timeout));
        let js = spec(
            &dir,
            "nodejs20.x",
            "index.handler",
            ("index.js", "exports.handler = async (event) => ({ doubled: event.n * 2, env: process.env.GREETING });"),
            3,
        );
        let answer = workers.invoke(&js, "arn:js", &json!({ "n": 21 })).await.unwrap().unwrap();
        assert_eq!(answer, json!({ "doubled": 42, "env": "hello" }));
        let missing = FunctionSpec { handler: "nope.handler".into(), code_sha256: "other".into(), ..py.clone() };
        let err = workers.invoke(&missing, "arn:py", &json!({})).await.unwrap().unwrap_err();
        assert_eq!(err["errorType"], "Runtime.ImportModuleError");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
