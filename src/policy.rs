//! Promotion policy: the rules of `promotion "ENV" { … }` in pins.hcl (checked as they are read,
//! see [`spec`]), judged against a version's history (since when upstream had it), its records,
//! freezes and weekly windows. [`gate`] applies them to a promotion, [`audit`] to what an
//! environment would deploy, and [`overrides`] keeps the reasons a person gave to pass them.

pub(crate) mod audit;
pub(crate) mod gate;
pub(crate) mod overrides;
pub(crate) mod promotion;
pub mod spec;
pub(crate) mod window;

use indexmap::IndexMap;
use serde::Serialize;

use crate::clock::duration_text;
use crate::config::PromotionConfig;
use crate::history::time_text;
use crate::version::Kind;
use spec::{Freeze, Window};

/// The rules for promoting into one environment.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// Seconds the upstream environment must have had the version.
    pub min_soak: Option<i64>,
    pub require_record: bool,
    /// The kinds `promote --auto` may take.
    pub auto: Vec<Kind>,
    pub freezes: Vec<(String, Freeze)>,
    pub windows: Vec<(String, Window)>,
}

/// What is known about one version waiting to be promoted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub upstream: &'a str,
    pub version: &'a str,
    /// When the upstream branch got the version (seconds since the epoch), if known.
    pub since: Option<i64>,
    pub recorded: bool,
    /// The moment of the promotion: now, or when the version arrived (for `verify`).
    pub now: i64,
}

/// Which rule a version fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Rule {
    MinSoak,
    RequireRecord,
    Freeze,
    Window,
}

/// One rule a version fails, in words with its numbers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Failure {
    pub rule: Rule,
    pub message: String,
}

/// Reads every `promotion` block (pins.hcl's reader has checked each against the environments).
pub(crate) fn rules(blocks: &IndexMap<String, PromotionConfig>) -> IndexMap<String, Rules> {
    blocks
        .iter()
        .map(|(env, block)| (env.clone(), of_block(block)))
        .collect()
}

fn of_block(block: &PromotionConfig) -> Rules {
    Rules {
        min_soak: block.min_soak.map(|s| s.0),
        require_record: block.require_record,
        auto: block.auto.iter().map(|k| k.0).collect(),
        freezes: block.freeze.iter().map(|(n, f)| (n.clone(), *f)).collect(),
        windows: block.window.iter().map(|(n, w)| (n.clone(), w.clone())).collect(),
    }
}

impl Rules {
    /// Whether any rule needs the upstream branch's history or records.
    pub(crate) fn needs_history(&self) -> bool {
        self.min_soak.is_some() || self.require_record
    }
}

/// Every rule `candidate` fails, each with its numbers and when it will pass.
pub(crate) fn judge(rules: &Rules, c: Candidate) -> Vec<Failure> {
    let mut out = Vec::new();
    if let Some(message) = soak(rules, c) {
        out.push(Failure {
            rule: Rule::MinSoak,
            message,
        });
    }
    if rules.require_record && !c.recorded {
        out.push(Failure {
            rule: Rule::RequireRecord,
            message: format!(
                "require_record: no release record of {} covers {}",
                c.upstream, c.version
            ),
        });
    }
    for (name, f) in rules.freezes.iter().filter(|(_, f)| window::frozen(f, c.now)) {
        out.push(Failure {
            rule: Rule::Freeze,
            message: format!(
                "freeze \"{name}\": promotions are frozen from {} until {}; passes at {}",
                time_text(f.from),
                time_text(f.to),
                time_text(f.to)
            ),
        });
    }
    if !window::open(&rules.windows, c.now) {
        out.push(Failure {
            rule: Rule::Window,
            message: closed_message(&rules.windows, c.now),
        });
    }
    out
}

fn soak(rules: &Rules, c: Candidate) -> Option<String> {
    let need = rules.min_soak?;
    match c.since {
        Some(since) if c.now - since >= need => None,
        Some(since) => Some(format!(
            "min_soak: in {} for {}, needs {}; passes at {}",
            c.upstream,
            duration_text(c.now - since),
            duration_text(need),
            time_text(since.saturating_add(need))
        )),
        None => Some(format!(
            "min_soak: when {} got {} is not in its history",
            c.upstream, c.version
        )),
    }
}

fn closed_message(windows: &[(String, Window)], now: i64) -> String {
    let list: Vec<String> = windows
        .iter()
        .map(|(name, w)| format!("\"{name}\" {}", window::describe(w)))
        .collect();
    match window::next_open(windows, now) {
        Some(at) => format!(
            "window: outside every promotion window ({}); opens at {}",
            list.join("; "),
            time_text(at)
        ),
        None => format!("window: no promotion window is ever open ({})", list.join("; ")),
    }
}

/// When every rule that waiting can satisfy (soak, freezes, windows) passes at once, at or after
/// `c.now`; `None` when waiting cannot (no record, an unknown soak start, a window never open).
pub(crate) fn passes_at(rules: &Rules, c: Candidate) -> Option<i64> {
    if rules.require_record && !c.recorded {
        return None;
    }
    let mut t = c.now;
    if let Some(need) = rules.min_soak {
        t = t.max(c.since?.saturating_add(need));
    }
    // Each step only moves forward to the end of a freeze or the start of a window.
    for _ in 0..64 {
        let mut moved = false;
        for (_, f) in &rules.freezes {
            if window::frozen(f, t) {
                t = f.to;
                moved = true;
            }
        }
        if !window::open(&rules.windows, t) {
            t = window::next_open(&rules.windows, t)?;
            moved = true;
        }
        if !moved {
            return Some(t);
        }
    }
    None
}

/// Seconds of soak still needed at `c.now` (0 once soaked), when a soak is required and known.
pub(crate) fn soak_remaining(rules: &Rules, c: Candidate) -> Option<i64> {
    Some((rules.min_soak? - (c.now - c.since?)).max(0))
}

/// A rule that can never be satisfied: where it is in pins.hcl (keys from the root), and why.
#[derive(Debug, Clone)]
pub(crate) struct Unsatisfiable {
    pub path: Vec<String>,
    pub message: String,
    pub help: &'static str,
}

/// Every rule of `rules` (keyed by environment) that can never be satisfied.
pub(crate) fn unsatisfiable(rules: &IndexMap<String, Rules>) -> Vec<Unsatisfiable> {
    let mut out = Vec::new();
    for (env, r) in rules {
        for (name, _) in r.windows.iter().filter(|(_, w)| w.days.is_empty()) {
            let all = r.windows.iter().all(|(_, w)| w.days.is_empty());
            let consequence = match all {
                true => format!("; no promotion into {env} can ever pass"),
                false => String::new(),
            };
            out.push(Unsatisfiable {
                path: ["promotion", env, "window", name].map(String::from).to_vec(),
                message: format!(
                    "window \"{name}\" of promotion \"{env}\" has no days, so it is never open{consequence}"
                ),
                help: "list the days it opens, e.g. days = [\"mon\", \"tue\"], or remove the window",
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn candidate(since: Option<i64>, recorded: bool, now: i64) -> Candidate<'static> {
        Candidate {
            upstream: "staging",
            version: "1.5.0",
            since,
            recorded,
            now,
        }
    }

    fn rules() -> Rules {
        Rules {
            min_soak: None,
            require_record: false,
            auto: Vec::new(),
            freezes: Vec::new(),
            windows: Vec::new(),
        }
    }

    fn messages(failures: Vec<Failure>) -> Vec<String> {
        failures.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn soak_passes_at_exactly_the_minimum() {
        let rules = Rules {
            min_soak: Some(DAY),
            ..rules()
        };
        assert_eq!(
            messages(judge(&rules, candidate(Some(0), false, DAY))),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(judge(&rules, candidate(Some(0), false, DAY - 1))),
            ["min_soak: in staging for 23h59m, needs 1d00h; passes at 1970-01-02T00:00:00Z"]
        );
        assert_eq!(passes_at(&rules, candidate(Some(0), false, 5)), Some(DAY));
    }

    #[test]
    fn a_record_is_required_when_asked() {
        let rules = Rules {
            require_record: true,
            ..rules()
        };
        assert!(judge(&rules, candidate(None, true, 0)).is_empty());
        assert_eq!(
            messages(judge(&rules, candidate(None, false, 0))),
            ["require_record: no release record of staging covers 1.5.0"]
        );
        assert_eq!(passes_at(&rules, candidate(None, false, 0)), None);
    }

    #[test]
    fn a_soak_that_ends_inside_a_freeze_passes_at_the_freeze_end() {
        let rules = Rules {
            min_soak: Some(DAY),
            freezes: vec![(
                "f".into(),
                Freeze {
                    from: DAY / 2,
                    to: 3 * DAY,
                },
            )],
            ..rules()
        };
        assert_eq!(passes_at(&rules, candidate(Some(0), false, 0)), Some(3 * DAY));
    }
}
