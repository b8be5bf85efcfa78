//! Discovery: the newest version of each pin that exists in its artifact store, for `pins
//! outdated` and `pins bump … latest`. Each pin's location template, filled with the
//! environment's data, is listed ([`super::listing`]); the names that are semantic versions are
//! the candidates. A pre-release is one only where the pin's block says `prerelease = true` (or the
//! policy allows pre-releases); the pin's `constraint` narrows the candidates to the allowed ones.
//!
//! Listings run in parallel, at most `jobs` at once. A store that fails (down, access denied,
//! no such bucket) fails the whole discovery: an error is never taken for "nothing newer".

use std::path::Path;

use anyhow::{bail, Context, Result};
use futures::StreamExt as _;

use super::inventory::process_env;
use super::listing::{list_versions, Candidate, Pattern, MARK};
use super::settings::{Choice, Settings};
use super::store::{runtime, Stores};
use super::template::Lookup;
use super::{lookup, require};
use crate::config::Policy;
use crate::repo::suggest;
use crate::repo::Repo;
use crate::resolve::{check_versions, find, resolve, select, Effective, Pin};
use crate::version::{self, classify, Kind};

/// What the store holds for one pin.
#[derive(Debug, Clone)]
pub(crate) struct Discovered {
    pub pin: Pin,
    /// The pin's location with `${version}` left open.
    pub pattern: String,
    /// The pin block's constraint, as written.
    pub constraint: Option<String>,
    /// The newest candidate the constraint allows.
    pub latest: Option<Candidate>,
    /// The newest candidate, constraint or not.
    pub newest: Option<Candidate>,
}

impl Discovered {
    /// Whether the newest allowed version is newer than the pin's (semantic versions only).
    pub(crate) fn behind(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|c| version::is_newer(&c.version, &self.pin.version))
    }

    /// How the pin would change to its newest allowed version, when it is behind.
    pub(crate) fn kind(&self) -> Option<Kind> {
        let latest = self.latest.as_ref().filter(|_| self.behind())?;
        Some(classify(Some(&self.pin.version), Some(&latest.version)))
    }
}

/// Where `bump … latest` moves the pins of one pin file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Moves {
    /// `(pin id, version)` of every pin that is behind.
    pub targets: Vec<(String, String)>,
    /// What was left alone, and why.
    pub notes: Vec<String>,
}

/// The moves for the pins of `found` that `pin_file` sets. With one pin named in `only`, that pin
/// must have a version in its store (else an error); it gets a note when it is not behind.
pub(crate) fn moves(found: Vec<Discovered>, pin_file: &str, only: &[String]) -> Result<Moves> {
    let found: Vec<Discovered> = found.into_iter().filter(|d| *d.pin.origin.file == *pin_file).collect();
    let mut notes = Vec::new();
    if let [one] = only {
        match found.first() {
            None => bail!("{one} has no artifact location in pins.hcl (or is not set in {pin_file}), so it has no latest version; nothing written"),
            Some(d) if d.latest.is_none() => bail!("no version of {} found at {}; nothing written", d.pin.name, d.pattern),
            Some(d) if !d.behind() => notes.push(standing(d)),
            Some(_) => {}
        }
    }
    let targets = found
        .iter()
        .filter(|d| d.behind())
        .filter_map(|d| d.latest.as_ref().map(|c| (d.pin.id(), c.version.clone())))
        .collect();
    let missing = found.iter().filter(|d| d.latest.is_none());
    notes.extend(missing.map(|d| format!("no version of {} found at {}", d.pin.name, d.pattern)));
    Ok(Moves { targets, notes })
}

/// Why a pin that is not behind stays: it is at the newest allowed version, or ahead of it.
fn standing(d: &Discovered) -> String {
    let ahead = d
        .latest
        .as_ref()
        .is_some_and(|l| version::is_newer(&d.pin.version, &l.version));
    let where_ = if ahead {
        "newer than every allowed version"
    } else {
        "the newest allowed version"
    };
    format!("{} {} is {where_} at {}", d.pin.name, d.pin.version, d.pattern)
}

/// What to discover.
pub(crate) struct Request<'a> {
    pub env: &'a str,
    /// Only these pins (names or `variable.key` ids); all when empty.
    pub only: &'a [String],
    /// How many listings run at once.
    pub jobs: usize,
}

/// The environment's effective values and, for each selected pin with an artifact, what its
/// store holds.
pub(crate) fn discover(repo: &Repo, request: &Request) -> Result<(Effective, Vec<Discovered>)> {
    let settings = require(repo.artifacts())?;
    let effective = resolve(repo, repo.environment(request.env)?)?;
    check_versions(&effective, repo.policy())?;
    if let Some(name) = request.only.iter().find(|n| find(&effective.pins, n).is_none()) {
        let names: Vec<&str> = effective.pins.iter().map(|p| &*p.name).collect();
        bail!("unknown pin `{name}` in {}{}", request.env, suggest(name, &names));
    }
    let pins = select(&effective.pins, request.only)?;
    let patterns = patterns(settings, repo.root(), &pins, &effective)?;
    let buckets: Vec<String> = patterns.iter().filter_map(|(_, p, _)| p.bucket()).collect();
    let images: Vec<_> = patterns.iter().filter_map(|(_, p, _)| p.image()).collect();
    let stores = Stores::for_buckets(settings, buckets.iter().map(String::as_str), &process_env)?.with_registries(
        settings,
        &images,
        &process_env,
    )?;
    let policy = repo.policy();
    let work = patterns.into_iter().map(|(pin, pattern, shown)| {
        let choice = settings.choice(&pin.name, &pin.id());
        let stores = &stores;
        async move {
            let found = list_versions(stores, &pattern, repo.root())
                .await
                .with_context(|| format!("listing the versions of {} at {shown}", pin.name))?;
            let (latest, newest) = pick(stores, found, &choice, policy).await?;
            Ok::<_, anyhow::Error>(Discovered {
                pin,
                pattern: shown,
                constraint: choice.constraint.as_ref().map(ToString::to_string),
                latest,
                newest,
            })
        }
    });
    let runtime = runtime()?;
    let found: Vec<Result<Discovered>> =
        runtime.block_on(futures::stream::iter(work).buffered(request.jobs.max(1)).collect());
    Ok((effective, found.into_iter().collect::<Result<_>>()?))
}

/// Each pin's listing pattern, with the location it shows (`${version}` open); pins without an
/// artifact are left out.
fn patterns(settings: &Settings, root: &Path, pins: &[Pin], env: &Effective) -> Result<Vec<(Pin, Pattern, String)>> {
    let mut out = Vec::new();
    for pin in pins {
        let Some((template, what)) = settings.template(&pin.name, &pin.id()) else {
            continue;
        };
        let scope = format!("environment `{}`", env.environment.name);
        let filled = template.render(&what, &scope, |path| match path {
            [one] if one == "version" => Lookup::Found(MARK.to_string()),
            _ => lookup(env, pin, path),
        })?;
        let context = || format!("pins.hcl: {what} `{}` for pin {} in {scope}", template.text(), pin.name);
        let pattern = Pattern::parse(&filled, root).with_context(context)?;
        out.push((pin.clone(), pattern, filled.replace(MARK, "${version}")));
    }
    Ok(out)
}

/// The newest allowed candidate and the newest one, each checked to exist when the listing
/// only showed its folder (a folder without the artifact is passed over).
async fn pick(
    stores: &Stores,
    found: Vec<Candidate>,
    choice: &Choice,
    policy: Policy,
) -> Result<(Option<Candidate>, Option<Candidate>)> {
    let mut ranked = rank(found, choice.prerelease || policy.allow_prerelease);
    let newest = first_present(stores, &mut ranked, |_| true).await?;
    let allowed = |c: &Candidate| allows(choice, &c.version);
    let latest = first_present(stores, &mut ranked, allowed).await?;
    Ok((latest, newest))
}

/// The candidates that are semantic versions (pre-releases only if `prerelease`), newest first.
pub(crate) fn rank(found: Vec<Candidate>, prerelease: bool) -> Vec<(semver::Version, Candidate)> {
    let mut ranked: Vec<(semver::Version, Candidate)> = found
        .into_iter()
        .filter_map(|c| version::parse(&c.version).ok().map(|v| (v.semver, c)))
        .filter(|(v, _)| prerelease || v.pre.is_empty())
        .collect();
    ranked.sort_by(|(a, x), (b, y)| {
        b.cmp_precedence(a)
            .then_with(|| b.cmp(a))
            .then_with(|| y.version.cmp(&x.version))
    });
    ranked
}

/// The first of `ranked` that `wanted` accepts and that exists; unverified ones found missing are
/// removed, and one found present is marked verified, so that it is checked once.
async fn first_present(
    stores: &Stores,
    ranked: &mut Vec<(semver::Version, Candidate)>,
    wanted: impl Fn(&Candidate) -> bool,
) -> Result<Option<Candidate>> {
    while let Some(i) = ranked.iter().position(|(_, c)| wanted(c)) {
        let Some((_, candidate)) = ranked.get_mut(i) else { break };
        if candidate.verified || stores.head(&candidate.location).await?.is_some() {
            candidate.verified = true;
            return Ok(Some(candidate.clone()));
        }
        ranked.remove(i);
    }
    Ok(None)
}

/// Whether the pin's constraint allows `text`; a pre-release counts as inside the constraint when
/// its release is (semver's own rule would admit only pre-releases of the constraint's bounds).
pub(crate) fn allows(choice: &Choice, text: &str) -> bool {
    let (Some(req), Ok(v)) = (&choice.constraint, version::parse(text)) else {
        return choice.constraint.is_none();
    };
    let mut release = v.semver.clone();
    release.pre = semver::Prerelease::EMPTY;
    req.matches(&v.semver) || (!v.semver.pre.is_empty() && req.matches(&release))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::Location;

    fn candidate(version: &str) -> Candidate {
        Candidate {
            version: version.into(),
            location: Location::File {
                path: format!("/s/{version}").into(),
            },
            verified: true,
        }
    }

    fn versions(ranked: &[(semver::Version, Candidate)]) -> Vec<&str> {
        ranked.iter().map(|(_, c)| c.version.as_str()).collect()
    }

    #[test]
    fn ranks_semantic_versions_newest_first_and_drops_the_rest() {
        let found = ["1.2.0", "latest", "1.10.0", "v1.9.0", "2.0.0-rc.1", "1.2", "1.3.0+b2"];
        let ranked = rank(found.iter().map(|v| candidate(v)).collect(), false);
        assert_eq!(versions(&ranked), ["1.10.0", "v1.9.0", "1.3.0+b2", "1.2.0"]);
        let with_pre = rank(found.iter().map(|v| candidate(v)).collect(), true);
        assert_eq!(versions(&with_pre).first(), Some(&"2.0.0-rc.1"));
    }

    #[test]
    fn constraints_admit_pre_releases_of_allowed_releases() {
        let choice = Choice {
            constraint: Some(semver::VersionReq::parse("^1.4").unwrap()),
            prerelease: true,
        };
        assert!(allows(&choice, "1.9.0"));
        assert!(allows(&choice, "1.5.0-rc.1"));
        assert!(!allows(&choice, "2.0.0"));
        assert!(!allows(&choice, "2.0.0-rc.1"));
        assert!(!allows(&choice, "1.3.9"));
        assert!(allows(&Choice::default(), "9.0.0"));
    }
}
