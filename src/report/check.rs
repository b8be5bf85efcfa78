//! The report of `pins check`: every finding with its place, what is wrong and what to do.

use serde::Serialize;

use super::{Report, Style};
use crate::check::Finding;

/// `--format json` of `check`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckReport {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub pins: usize,
}

impl From<crate::check::Report> for CheckReport {
    fn from(r: crate::check::Report) -> Self {
        CheckReport {
            findings: r.findings,
            files: r.files,
            pins: r.pins,
        }
    }
}

impl Report for CheckReport {
    fn text(&self, style: Style) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let message = style.red(&f.message);
            out.push_str(&format!("{}: {message} [{}]\n  help: {}\n", f.place(), f.rule, f.help));
        }
        match self.findings.len() {
            0 => out.push_str(&format!("ok: {} files, {} pins, no findings\n", self.files, self.pins)),
            1 => out.push_str(&format!("1 finding in {} files\n", self.files)),
            n => out.push_str(&format!("{n} findings in {} files\n", self.files)),
        }
        out
    }
}
