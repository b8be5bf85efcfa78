//! Promotion policy: the rules of `promotion "ENV" { … }` in pins.hcl, checked when they are read,
//! and judged against a version's history (since when upstream had it) and its records.

use anyhow::{anyhow, bail, Result};
use indexmap::IndexMap;

use crate::clock::duration_text;
use crate::config::PromotionConfig;
use crate::history::time_text;
use crate::repo::Environment;

/// The rules for promoting into one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rules {
    /// Seconds the upstream environment must have had the version.
    pub min_soak: Option<i64>,
    pub require_record: bool,
}

/// What is known about one version waiting to be promoted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub upstream: &'a str,
    pub version: &'a str,
    /// When the upstream branch got the version (seconds since the epoch), if known.
    pub since: Option<i64>,
    pub recorded: bool,
    pub now: i64,
}

/// Reads and checks every `promotion` block against the environments (in promotion order).
pub(crate) fn rules(
    blocks: &IndexMap<String, PromotionConfig>,
    envs: &[Environment],
) -> Result<IndexMap<String, Rules>> {
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    let mut out = IndexMap::new();
    for (env, block) in blocks {
        let at = format!("pins.hcl: promotion \"{env}\"");
        match names.iter().position(|n| n == env) {
            None => bail!("{at} names an unknown environment; environments are: {}", names.join(", ")),
            Some(0) => bail!("{at}: {env} is the first environment, nothing is promoted into it; put the rules on the environment that receives the promotion"),
            Some(_) => {}
        }
        let min_soak = block.min_soak.as_deref().map(|d| duration(&at, d)).transpose()?;
        out.insert(
            env.clone(),
            Rules {
                min_soak,
                require_record: block.require_record,
            },
        );
    }
    Ok(out)
}

fn duration(at: &str, text: &str) -> Result<i64> {
    let d = humantime::parse_duration(text).map_err(|e| {
        anyhow!(
            "{at} min_soak `{}` is not a duration such as 24h, 90m or 2d ({e})",
            text.escape_debug()
        )
    })?;
    i64::try_from(d.as_secs()).map_err(|_| anyhow!("{at} min_soak `{text}` is too long"))
}

/// Every rule `candidate` fails, each with its numbers and, for soak, when it will pass.
pub(crate) fn judge(rules: &Rules, c: Candidate) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(need) = rules.min_soak {
        match c.since {
            Some(since) if c.now - since >= need => {}
            Some(since) => out.push(format!(
                "min_soak: in {} for {}, needs {}; passes at {}",
                c.upstream,
                duration_text(c.now - since),
                duration_text(need),
                time_text(since + need)
            )),
            None => out.push(format!(
                "min_soak: when {} got {} is not in its history",
                c.upstream, c.version
            )),
        }
    }
    if rules.require_record && !c.recorded {
        out.push(format!(
            "require_record: no release record of {} covers {}",
            c.upstream, c.version
        ));
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

    #[test]
    fn soak_passes_at_exactly_the_minimum() {
        let rules = Rules {
            min_soak: Some(DAY),
            require_record: false,
        };
        assert_eq!(judge(&rules, candidate(Some(0), false, DAY)), Vec::<String>::new());
        assert_eq!(
            judge(&rules, candidate(Some(0), false, DAY - 1)),
            ["min_soak: in staging for 23h59m, needs 1d00h; passes at 1970-01-02T00:00:00Z"]
        );
    }

    #[test]
    fn a_record_is_required_when_asked() {
        let rules = Rules {
            min_soak: None,
            require_record: true,
        };
        assert_eq!(judge(&rules, candidate(None, true, 0)), Vec::<String>::new());
        assert_eq!(
            judge(&rules, candidate(None, false, 0)),
            ["require_record: no release record of staging covers 1.5.0"]
        );
    }
}
