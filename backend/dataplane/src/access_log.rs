//! Access logs: the proxy appends each record's line to a shared batch and moves on; a writer
//! thread wakes every [`FLUSH_EVERY`], takes the batch and appends its records to one file per
//! destination (`<dir>/<destination>.log`, JSON lines). Appending costs a lock, a copy and no
//! system call or allocation; when every record of a batch goes to the same single destination
//! (the usual case) the batch is written as it is. When the batch is full the record is
//! counted as dropped, never waited for.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Records buffered between two flushes at most.
const CAPACITY: usize = 65_536;
/// How often the writer appends what was buffered (records reach files this late at most).
const FLUSH_EVERY: Duration = Duration::from_millis(50);

/// The destinations of one record: the service's subscriptions and its network's.
pub(crate) type Destinations = [Option<Arc<[String]>>; 2];

/// Records taken together: their lines (each ending in a newline) one after another, and each
/// record's destinations and where its line ends in `text`.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    records: Vec<(Destinations, usize)>,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Batch>,
    dropped: AtomicU64,
}

/// The sending side, cheap to clone into every connection.
#[derive(Clone)]
pub(crate) struct AccessLog {
    shared: Arc<Shared>,
}

pub use lattice_model::records::log_file as file_name;

impl AccessLog {
    /// Starts the writer thread for files under `dir`. It ends, after a last flush, once every
    /// handle is dropped.
    pub(crate) fn start(dir: PathBuf) -> Self {
        let shared = Arc::new(Shared::default());
        let writer = shared.clone();
        std::thread::Builder::new()
            .name("access-log-writer".into())
            .spawn(move || write_loop(&dir, &writer))
            .map_err(|e| tracing::error!(error = %e, "cannot start the access-log writer"))
            .ok();
        Self { shared }
    }

    /// Buffers a record (one line, without its newline) for its destinations without waiting.
    pub(crate) fn record(&self, destinations: Destinations, line: &[u8]) {
        if destinations.iter().flatten().all(|d| d.is_empty()) {
            return;
        }
        let Ok(mut pending) = self.shared.pending.lock() else { return };
        if pending.records.len() >= CAPACITY {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        pending.text.extend_from_slice(line);
        pending.text.push(b'\n');
        let end = pending.text.len();
        pending.records.push((destinations, end));
    }
}

fn write_loop(dir: &Path, shared: &Arc<Shared>) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::error!(error = %e, dir = %dir.display(), "cannot create the access-log directory");
    }
    let mut files = Files::default();
    let (mut reported, mut batch) = (0, Batch::default());
    loop {
        std::thread::sleep(FLUSH_EVERY);
        // The proxy's handles are all gone: flush once more and stop.
        let last = Arc::strong_count(shared) == 1;
        match shared.pending.lock() {
            Ok(mut pending) => std::mem::swap(&mut *pending, &mut batch),
            Err(_) => return,
        }
        append(dir, &mut files, &batch);
        batch.text.clear();
        batch.records.clear();
        let now = shared.dropped.load(Ordering::Relaxed);
        if now != reported {
            tracing::warn!(dropped = now, "access-log records dropped: the writer could not keep up");
            reported = now;
        }
        if last {
            return;
        }
    }
}

/// The one destination every record of `batch` goes to, if there is one.
fn sole_destination(batch: &Batch) -> Option<&str> {
    let mut sole = None;
    for (destinations, _) in &batch.records {
        for d in destinations.iter().flatten().flat_map(|d| d.iter()) {
            match sole {
                None => sole = Some(d.as_str()),
                Some(s) if s == d => {}
                Some(_) => return None,
            }
        }
    }
    sole
}

/// The open log files, by destination.
type Files = HashMap<String, File, foldhash::fast::RandomState>;

/// Appends `batch` to its destinations' files, one write per file.
fn append(dir: &Path, files: &mut Files, batch: &Batch) {
    if let Some(only) = sole_destination(batch) {
        write_to(dir, files, only, &batch.text);
        return;
    }
    let mut by_destination: HashMap<&str, Vec<u8>, foldhash::fast::RandomState> = HashMap::default();
    let mut start = 0;
    for (destinations, end) in &batch.records {
        let line = &batch.text[start..*end];
        start = *end;
        for d in destinations.iter().flatten().flat_map(|d| d.iter()) {
            by_destination.entry(d.as_str()).or_default().extend_from_slice(line);
        }
    }
    for (destination, text) in by_destination {
        write_to(dir, files, destination, &text);
    }
}

/// Appends `text` to `destination`'s file, opening it on first use.
fn write_to(dir: &Path, files: &mut Files, destination: &str, text: &[u8]) {
    let file = match files.get_mut(destination) {
        Some(f) => f,
        None => match OpenOptions::new().create(true).append(true).open(dir.join(file_name(destination))) {
            Ok(f) => files.entry(destination.to_string()).or_insert(f),
            Err(e) => {
                tracing::error!(error = %e, destination, "cannot open access-log file");
                return;
            }
        },
    };
    if let Err(e) = file.write_all(text) {
        tracing::error!(error = %e, destination, "cannot write access log");
    }
}

/// An access-log record being written into a buffer: one JSON object, fields in Lattice's
/// order. Field names are written as given (they need no escaping); string values are escaped
/// as JSON requires.
/// `,"name":` — a record's key, with the comma that precedes every field but the first,
/// built at compile time so a field costs one copy for its key. [`str_key!`] includes the opening
/// quote of a string value.
macro_rules! key {
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}
pub(crate) use key;

/// [`key!`] and the opening quote of a string value: `,"name":"`.
macro_rules! str_key {
    ($name:literal) => {
        concat!(",\"", $name, "\":\"")
    };
}
pub(crate) use str_key;

/// Written as bytes: the values are UTF-8 (`&str`), and what the record adds is ASCII, so the
/// line is UTF-8 without a check; numbers and addresses go in with one copy each.
pub(crate) struct JsonLine<'b>(&'b mut Vec<u8>);

impl<'b> JsonLine<'b> {
    /// A record whose first field is the timestamp after its [`str_key!`] (written without the
    /// comma), as [`lattice_api::rfc3339`] writes it.
    pub(crate) fn new(out: &'b mut Vec<u8>, key: &str, t: std::time::SystemTime) -> Self {
        out.clear();
        out.push(b'{');
        out.extend_from_slice(key.strip_prefix(',').unwrap_or(key).as_bytes());
        lattice_api::rfc3339_bytes_into(out, t);
        out.push(b'"');
        Self(out)
    }

    /// Fields whose text is known at compile time, e.g. `,"destinationVpcId":"-"`.
    #[inline(always)]
    pub(crate) fn raw(&mut self, fields: &str) {
        self.0.extend_from_slice(fields.as_bytes());
    }

    /// A string value after its [`str_key!`].
    #[inline(always)]
    pub(crate) fn str(&mut self, key: &str, value: &str) {
        self.0.extend_from_slice(key.as_bytes());
        json_escape_into(self.0, value);
        self.0.push(b'"');
    }

    /// A number as a string value, after its [`str_key!`].
    #[inline(always)]
    pub(crate) fn num_str(&mut self, key: &str, value: u64) {
        self.num(key, value);
        self.0.push(b'"');
    }

    /// A number after its [`key!`].
    #[inline(always)]
    pub(crate) fn num(&mut self, key: &str, value: u64) {
        self.0.extend_from_slice(key.as_bytes());
        self.0.extend_from_slice(crate::text::decimal(value).as_bytes());
    }

    /// An address as `"a.b.c.d:port"` (IPv6 through `Display`), after its [`str_key!`].
    pub(crate) fn addr(&mut self, key: &str, addr: std::net::SocketAddr) {
        self.0.extend_from_slice(key.as_bytes());
        match addr {
            std::net::SocketAddr::V4(v4) => self.0.extend_from_slice(crate::text::socket_v4(v4).as_bytes()),
            v6 => {
                let _ = write!(self.0, "{v6}");
            }
        }
        self.0.push(b'"');
    }

    pub(crate) fn finish(self) -> &'b [u8] {
        self.0.push(b'}');
        self.0
    }
}

/// Appends `s` as the inside of a JSON string: quotes, backslashes and control characters
/// escaped, runs of other characters copied as they are.
pub(crate) fn json_escape_into(out: &mut Vec<u8>, s: &str) {
    // Most values need no escaping: tested without an early exit (so the test compiles to vector
    // compares), then copied whole.
    if !s.bytes().fold(false, |seen, b| seen | (b < 0x20) | (b == b'"') | (b == b'\\')) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[plain..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.extend_from_slice(escaped.as_bytes());
        }
        plain = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[plain..]);
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    #[test]
    fn access_log_lines_are_json_whatever_the_request_holds() {
        let nasty = "/a\"b\\c\n\r\t\u{1}\u{7f}é/✓?q=\"x\"";
        let mut buf = Vec::new();
        let start = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
        let mut r = JsonLine::new(&mut buf, str_key!("startTime"), start);
        r.str(str_key!("requestPath"), nasty);
        r.str(str_key!("userAgent"), "");
        r.addr(str_key!("sourceIpPort"), SocketAddr::from(([127, 0, 0, 1], 4242)));
        r.num(key!("responseCode"), 200);
        r.num(key!("duration"), 0);
        r.num(key!("big"), u64::MAX);
        r.num(key!("ten"), 10);
        r.addr(str_key!("v6"), "[::1]:80".parse().unwrap());
        r.raw(concat!(str_key!("constant"), "-\""));
        r.num_str(str_key!("shown"), 42);
        let line = std::str::from_utf8(r.finish()).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({ "requestPath": nasty, "userAgent": "", "sourceIpPort": "127.0.0.1:4242",
                "responseCode": 200, "duration": 0, "big": u64::MAX, "ten": 10, "v6": "[::1]:80",
                "startTime": "1970-01-01T00:00:01.5Z", "constant": "-", "shown": "42" })
        );
        assert!(!line.contains('\n'), "one record per line: {line}");
    }
}
