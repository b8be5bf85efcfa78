//! The reports of `hold` and `unhold`, and the holds as `status` and `promote` show them.

use serde::Serialize;

use super::{printable, Report, Style};
use crate::holds::edit::Changed;
use crate::holds::guard::Skipped;
use crate::holds::Hold;

/// `--format json` of `hold` and `unhold`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HoldReport {
    /// `hold` or `unhold`.
    pub action: &'static str,
    pub file: &'static str,
    /// The hold placed, or the one removed.
    pub hold: Hold,
    pub dry_run: bool,
    pub written: bool,
    #[serde(skip)]
    pub preview: Option<String>,
}

impl HoldReport {
    /// The report of `pins hold`.
    pub(crate) fn held(c: Changed) -> Self {
        Self::new("hold", c)
    }

    /// The report of `pins unhold`.
    pub(crate) fn unheld(c: Changed) -> Self {
        Self::new("unhold", c)
    }

    fn new(action: &'static str, c: Changed) -> Self {
        HoldReport {
            action,
            file: crate::config::CONFIG_FILE,
            hold: c.hold,
            dry_run: c.dry_run,
            written: c.written,
            preview: c.preview,
        }
    }
}

impl Report for HoldReport {
    fn text(&self, _style: Style) -> String {
        let mut out = self.preview.clone().unwrap_or_default();
        let h = &self.hold;
        let (pin, env, version) = (printable(&h.pin), &h.environment, printable(&h.version));
        out.push_str(&match self.action {
            "hold" => format!(
                "{}: {pin} held in {env} at {version}: {}\n",
                self.file,
                printable(&h.reason)
            ),
            _ => format!("{}: {pin} no longer held in {env} (was at {version})\n", self.file),
        });
        if self.dry_run {
            out.push_str("dry run: nothing written\n");
        }
        out
    }
}

/// `held: lambda-x stays at 1.4.2 in production (wanted 1.5.0): "reason" (pins.hcl:9:1)`.
pub(crate) fn skipped_line(s: &Skipped) -> String {
    let wanted = s
        .wanted
        .as_deref()
        .map_or("its removal".to_string(), |w| printable(w).into_owned());
    format!(
        "held: {} stays at {} in {} (not {wanted}): {} ({})\n",
        printable(&s.pin),
        printable(&s.version),
        s.environment,
        printable(&format!("{:?}", s.reason)),
        s.at
    )
}

/// The holds as a table: pin, environment, version, since, reason.
pub(crate) fn table(holds: &[Hold]) -> String {
    let rows: Vec<Vec<String>> = holds
        .iter()
        .map(|h| {
            vec![
                h.pin.clone(),
                h.environment.clone(),
                h.version.clone(),
                h.since.clone().unwrap_or_else(|| "—".into()),
                h.reason.clone(),
            ]
        })
        .collect();
    super::plain_table(&["HELD", "ENVIRONMENT", "VERSION", "SINCE", "REASON"], &rows)
}
