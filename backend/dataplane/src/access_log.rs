//! Access logs: the proxy hands each record to a bounded channel and moves on; a writer thread
//! batches records into one file per destination (`<dir>/<destination>.log`, JSON lines). When
//! the channel is full the record is counted as dropped, never waited for.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

const CAPACITY: usize = 16_384;
const BATCH: usize = 1_024;

struct Entry {
    destinations: Vec<String>,
    line: String,
}

/// The sending side, cheap to clone into every connection.
#[derive(Clone)]
pub(crate) struct AccessLog {
    tx: mpsc::Sender<Entry>,
    dropped: Arc<AtomicU64>,
}

/// The file a destination ARN's records go to: the ARN with every character that is not a
/// letter, digit, `-` or `.` replaced by `_`.
pub fn file_name(destination: &str) -> String {
    let safe: String =
        destination.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    format!("{safe}.log")
}

impl AccessLog {
    /// Starts the writer thread for files under `dir`.
    pub(crate) fn start(dir: PathBuf) -> Self {
        let (tx, rx) = mpsc::channel(CAPACITY);
        let dropped = Arc::new(AtomicU64::new(0));
        let seen = dropped.clone();
        std::thread::Builder::new()
            .name("access-log-writer".into())
            .spawn(move || write_loop(&dir, rx, &seen))
            .map_err(|e| tracing::error!(error = %e, "cannot start the access-log writer"))
            .ok();
        Self { tx, dropped }
    }

    /// Queues a record for its destinations without waiting.
    pub(crate) fn record(&self, destinations: Vec<String>, line: String) {
        if destinations.is_empty() {
            return;
        }
        if self.tx.try_send(Entry { destinations, line }).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn write_loop(dir: &Path, mut rx: mpsc::Receiver<Entry>, dropped: &AtomicU64) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::error!(error = %e, dir = %dir.display(), "cannot create the access-log directory");
    }
    let mut files: HashMap<String, File> = HashMap::new();
    let mut reported = 0;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(entry) => batch.push(entry),
                Err(_) => break,
            }
        }
        let mut by_destination: HashMap<&str, String> = HashMap::new();
        for entry in &batch {
            for d in &entry.destinations {
                let buf = by_destination.entry(d.as_str()).or_default();
                buf.push_str(&entry.line);
                buf.push('\n');
            }
        }
        for (destination, text) in by_destination {
            let file = match files.get_mut(destination) {
                Some(f) => f,
                None => match OpenOptions::new().create(true).append(true).open(dir.join(file_name(destination))) {
                    Ok(f) => files.entry(destination.to_string()).or_insert(f),
                    Err(e) => {
                        tracing::error!(error = %e, destination, "cannot open access-log file");
                        continue;
                    }
                },
            };
            if let Err(e) = file.write_all(text.as_bytes()) {
                tracing::error!(error = %e, destination, "cannot write access log");
            }
        }
        let now = dropped.load(Ordering::Relaxed);
        if now != reported {
            tracing::warn!(dropped = now, "access-log records dropped: the writer could not keep up");
            reported = now;
        }
    }
}
