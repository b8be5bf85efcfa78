//! The last test binary `cargo test` runs (binaries run in name order; this one has no harness,
//! so its output is never captured): it lists every test that skipped, and why, in the final
//! output. Tests mark themselves with `common::skip`.

use std::path::Path;
use std::time::SystemTime;

fn main() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped");
    // Markers older than this binary come from an earlier build's runs.
    let built = std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut skipped: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let fresh = entry.metadata().and_then(|m| m.modified()).is_ok_and(|m| m >= built);
        let reason = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        if fresh {
            let name = entry.file_name().to_string_lossy().replacen("--", "::", 1);
            skipped.push((reason, name));
        }
    }
    skipped.sort();
    print!("{}", summary(&skipped));
}

fn summary(skipped: &[(String, String)]) -> String {
    if skipped.is_empty() {
        return "\nskipped tests: none\n\n".into();
    }
    let mut out = format!(
        "\nSKIPPED {} test{}, by reason (tools/test sets up Terraform and the S3 server):\n",
        skipped.len(),
        if skipped.len() == 1 { "" } else { "s" }
    );
    let mut last: Option<&str> = None;
    for (reason, test) in skipped {
        if last != Some(reason.as_str()) {
            out.push_str(&format!("  {reason}:\n"));
            last = Some(reason);
        }
        out.push_str(&format!("    {test}\n"));
    }
    out.push('\n');
    out
}
