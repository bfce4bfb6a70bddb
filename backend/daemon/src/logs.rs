//! `logs`: access-log records (JSON lines) of one destination or all, optionally followed.

use std::path::PathBuf;

use anyhow::{Context, Result};

/// Prints the access-log files (all, or one destination's), then follows them if asked.
pub(crate) async fn logs(dir: PathBuf, destination: Option<String>, follow: bool) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let wanted = destination.as_deref().map(lattice_dataplane::access_log::file_name);
    let mut offsets: std::collections::HashMap<PathBuf, u64> = std::collections::HashMap::new();
    loop {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) if follow => vec![],
            Err(e) => return Err(e).with_context(|| format!("no access logs in {}", dir.display())),
        };
        // Access-log files only (`PutLogEvents` events sit beside them as `….log.events`).
        paths.retain(|p| p.extension().is_some_and(|e| e == "log"));
        paths.retain(|p| wanted.as_deref().is_none_or(|w| p.file_name().and_then(|n| n.to_str()) == Some(w)));
        paths.sort();
        for path in paths {
            let offset = offsets.entry(path.clone()).or_insert(0);
            let mut file = std::fs::File::open(&path)?;
            file.seek(SeekFrom::Start(*offset))?;
            let mut text = String::new();
            let read = file.read_to_string(&mut text)?;
            // Only whole lines: a record being written is printed next time.
            let complete = text.rfind('\n').map_or(0, |i| i + 1);
            print!("{}", &text[..complete]);
            *offset += (read.min(complete)) as u64;
        }
        if !follow {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
