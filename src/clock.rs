//! "Now": the system clock, or `PINS_NOW` (RFC 3339), a testing and what-if aid ("would this
//! promotion pass on Monday?").

use anyhow::{anyhow, Result};

/// The variable that sets the clock.
pub(crate) const PINS_NOW: &str = "PINS_NOW";

/// Now, in seconds since the epoch.
pub(crate) fn now() -> Result<i64> {
    let at = match std::env::var(PINS_NOW) {
        Ok(text) => humantime::parse_rfc3339_weak(&text).map_err(|e| {
            anyhow!(
                "{PINS_NOW}=`{}` is not an RFC 3339 time such as 2026-11-20T10:00:00Z ({e})",
                text.escape_debug()
            )
        })?,
        Err(_) => std::time::SystemTime::now(),
    };
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| anyhow!("{PINS_NOW} is before 1970"))?;
    Ok(i64::try_from(secs.as_secs()).unwrap_or(i64::MAX))
}

/// A duration as its two largest units: `3d2h`, `5h12m`, `40m`, `12s`.
pub(crate) fn duration_text(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let sign = if seconds < 0 { "-" } else { "" };
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    let text = match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, _) => format!("{d}d{h:02}h"),
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::duration_text;

    #[test]
    fn durations_show_two_units() {
        assert_eq!(duration_text(12), "12s");
        assert_eq!(duration_text(40 * 60 + 5), "40m");
        assert_eq!(duration_text(5 * 3600 + 12 * 60), "5h12m");
        assert_eq!(duration_text(3 * 86_400 + 2 * 3600 + 59), "3d02h");
        assert_eq!(duration_text(-90), "-1m");
    }
}
