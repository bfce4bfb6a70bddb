//! `logs`: access-log records (JSON lines) of one destination or all, optionally followed.

use std::path::PathBuf;

use anyhow::Result;

/// One record as a short line for people: when, what, the answer, and why it failed if it did.
fn human(line: &str) -> String {
    let Ok(r) = serde_json::from_str::<serde_json::Value>(line) else { return line.to_string() };
    let f = |k: &str| r.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).unwrap_or_default();
    let mut out = if r.get("requestMethod").is_some() {
        format!(
            "{} {} {}{} -> {} {}ms caller={}",
            f("startTime"),
            f("requestMethod"),
            f("hostHeader"),
            f("requestPath"),
            f("responseCode"),
            f("duration"),
            f("callerPrincipal")
        )
    } else {
        // A resource-gateway connection record.
        format!(
            "{} {} -> {} via {} -> {} ({})",
            f("eventTimestamp"),
            f("sourceIpPort"),
            f("destinationIpPort"),
            f("gatewayIpPort"),
            f("resourceIpPort"),
            f("resourceConfigurationArn")
        )
    };
    for why in ["failureReason", "authDeniedReason"] {
        if r.get(why).and_then(|v| v.as_str()).is_some_and(|v| v != "-") {
            out.push_str(&format!(" {why}={}", f(why)));
        }
    }
    out
}

/// Prints the access-log files (all, or one destination's), then follows them if asked.
/// Without `--follow`, a destination with no records is an error that says what to check.
pub(crate) async fn logs(dir: PathBuf, destination: Option<String>, follow: bool, text_format: bool) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let wanted = destination.as_deref().map(lattice_dataplane::access_log::file_name);
    let mut offsets: std::collections::HashMap<PathBuf, u64> = std::collections::HashMap::new();
    loop {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            // No directory yet: nothing was ever logged (said below).
            Err(_) => vec![],
        };
        // Access-log files only (`PutLogEvents` events sit beside them as `….log.events`).
        paths.retain(|p| p.extension().is_some_and(|e| e == "log"));
        paths.retain(|p| wanted.as_deref().is_none_or(|w| p.file_name().and_then(|n| n.to_str()) == Some(w)));
        paths.sort();
        if paths.is_empty() && !follow {
            return match &destination {
                Some(d) => Err(anyhow::anyhow!(
                    "no access-log records for {d} in {}: no access-log subscription delivers there, or no request has gone through one yet (`lattice-local logs` without --destination shows every destination's)",
                    dir.display()
                )),
                None => {
                    eprintln!("no access-log records yet in {} (create an access-log subscription, then send a request)", dir.display());
                    Ok(())
                }
            };
        }
        for path in paths {
            let offset = offsets.entry(path.clone()).or_insert(0);
            let mut file = std::fs::File::open(&path)?;
            file.seek(SeekFrom::Start(*offset))?;
            let mut text = String::new();
            let read = file.read_to_string(&mut text)?;
            // Only whole lines: a record being written is printed next time.
            let complete = text.rfind('\n').map_or(0, |i| i + 1);
            if text_format {
                for line in text[..complete].lines() {
                    println!("{}", human(line));
                }
            } else {
                print!("{}", &text[..complete]);
            }
            *offset += (read.min(complete)) as u64;
        }
        if !follow {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
