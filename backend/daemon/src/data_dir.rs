//! The data directory: one daemon at a time, readable by its user only. It holds the CA's
//! private key and principals' secrets (in `state.db`), so it is `0700` and what the daemon
//! creates in it is `0600` (umask `077`). A second daemon on the same directory would hand the
//! same addresses to different VPCs; an exclusive `flock` on `lock` refuses it, naming the
//! holder.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{bail, Context, Result};
use rustix::fs::{flock, FlockOperation};

/// The operator's secret, in `operator.key` (`0600`, made once): the CLI reads it to ask the
/// backend whose a VPC is, which no account may ask. Reading it takes what reading the database
/// takes: being the machine's owner.
pub(crate) fn operator_secret(dir: &Path) -> Result<String> {
    let path = dir.join(OPERATOR_KEY);
    if let Ok(secret) = std::fs::read_to_string(&path) {
        if secret.trim().len() >= 32 {
            return Ok(secret.trim().to_string());
        }
    }
    let secret = lattice_api::ids::random_hex(40);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{secret}")?;
    Ok(secret)
}

/// The operator key's file in a data directory.
pub(crate) const OPERATOR_KEY: &str = "operator.key";

/// The claim on a data directory; dropping it (or the process ending, however it ends)
/// releases the lock.
#[derive(Debug)]
pub(crate) struct Claim {
    _file: File,
}

/// Creates `dir` (`0700`), makes the files already in it private, takes its lock and writes
/// this process's id into it.
pub(crate) fn claim(dir: &Path) -> Result<Claim> {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot make {} private", dir.display()))?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join("lock"))
        .with_context(|| format!("cannot open {}", dir.join("lock").display()))?;
    if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let pid = holder.trim();
        let endpoint = std::fs::read_to_string(dir.join("endpoint")).unwrap_or_default();
        bail!(
            "another lattice-local (pid {}) already serves the data directory {}{}; stop it (`lattice-local stop`) or pass another --data-dir",
            if pid.is_empty() { "unknown" } else { pid },
            dir.display(),
            if endpoint.is_empty() { String::new() } else { format!(" at {}", endpoint.trim()) },
        );
    }
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    // Files of an earlier release were created with the default umask.
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600));
        }
    }
    Ok(Claim { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_is_refused_naming_the_holder_and_the_first_is_private() {
        let dir = std::env::temp_dir().join(format!("lattice-local-claim-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("state.db"), b"secret").unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(dir.join("state.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(dir.join("endpoint"), "http://127.0.0.1:4599").unwrap();

        let first = claim(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("state.db")), 0o600);
        assert_eq!(mode(&dir.join("lock")), 0o600);

        // flock locks belong to open file descriptions: a second open conflicts, as a second
        // process would.
        let err = claim(&dir).unwrap_err().to_string();
        assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
        assert!(err.contains("at http://127.0.0.1:4599"), "{err}");
        drop(first);
        let again = claim(&dir);
        assert!(again.is_ok());
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
