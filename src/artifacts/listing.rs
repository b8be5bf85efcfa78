//! Listing the versions that exist at a pin's location: the location template, filled with the
//! environment's data but with `${version}` left open, becomes a [`Pattern`] — a folder or key
//! prefix to list and the text around the version — and [`list_versions`] lists it, following
//! pagination, and keeps the names that match.
//!
//! The version may end the key (`s3://b/x/x-${version}.zip`) or be a folder of its own
//! (`s3://b/frontend/${version}/app.tar.gz`, and `${version}` may appear again after it). Either way
//! one level is listed with the delimiter `/`, so keys in other folders never come back: for a
//! version folder the listing gives the folders, and whether the artifact is inside one is
//! checked only for the versions a command picks ([`Candidate::verified`]).
//!
//! Each scheme lists in its own way; [`list_versions`] dispatches on the pattern's source.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use object_store::list::{PaginatedListOptions, PaginatedListStore};

use super::store::Stores;
use super::{is_bucket_name, Location, SCHEMES};

/// What `${version}` is filled with to find where it sits in a filled template.
pub(crate) const MARK: &str = "\u{0}version\u{0}";

/// Where a pin's versions are listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    source: Source,
    /// The key (or path) before the version, up to and including the last `/`.
    folder: String,
    /// The rest of the version's segment: text before and after it (`lambda-x-`, `.zip`).
    before: String,
    after: String,
    /// What follows the version's segment (`/app.tar.gz`), with [`MARK`] where the version
    /// appears again; `None` when the version's segment ends the key.
    rest: Option<String>,
}

/// The store a pattern lists.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    S3 {
        bucket: String,
    },
    File,
    /// A registry repository; the version is in the tag (`folder` is empty, `before`/`after` are
    /// the tag's text around it).
    Oci {
        registry: String,
        repository: String,
    },
}

/// A version found in the store, with the location of its artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// As written in the key (`v1.2.0` keeps its `v`).
    pub version: String,
    pub location: Location,
    /// Whether the listing showed the artifact itself, not only its version's folder.
    pub verified: bool,
}

impl Pattern {
    /// Reads a filled template (`${version}` given as [`MARK`]); `root` anchors relative
    /// `file://` paths. The error says why the template cannot be listed.
    pub(crate) fn parse(filled: &str, root: &Path) -> Result<Pattern> {
        let shown = filled.replace(MARK, "${version}");
        let Some((head, tail)) = filled.split_once(MARK) else {
            bail!("`{shown}` has no `${{version}}`, so there is nothing to list");
        };
        let (source, key_head) = source(head, &shown, root)?;
        let (folder, before) = match key_head.rfind('/') {
            Some(i) => key_head.split_at(i + 1),
            None => ("", key_head.as_str()),
        };
        let (after, rest) = match tail.split_once('/') {
            Some((after, rest)) => (after, Some(format!("/{rest}"))),
            None => (tail, None),
        };
        if after.contains(MARK) {
            bail!("`{shown}` has `${{version}}` twice in one path segment; a listing cannot tell where one version ends, so write it once per segment");
        }
        let pattern = Pattern {
            source,
            folder: folder.to_string(),
            before: before.to_string(),
            after: after.to_string(),
            rest,
        };
        let sample = pattern.location("1.0.0", root);
        sample.with_context(|| format!("`{shown}` does not give valid locations"))?;
        Ok(pattern)
    }

    /// The S3 bucket the pattern lists, if it lists one.
    pub(crate) fn bucket(&self) -> Option<String> {
        match &self.source {
            Source::S3 { bucket } => Some(bucket.clone()),
            Source::File | Source::Oci { .. } => None,
        }
    }

    /// An image of the registry repository the pattern lists (tag `x`), if it lists one: what
    /// [`Stores::with_registries`] needs to reach it.
    pub(crate) fn image(&self) -> Option<Location> {
        match &self.source {
            Source::Oci { registry, repository } => Some(Location::Oci(super::oci::Reference {
                registry: registry.clone(),
                repository: repository.clone(),
                tag: "x".to_string(),
            })),
            _ => None,
        }
    }

    /// The artifact of `version`.
    fn location(&self, version: &str, root: &Path) -> Result<Location> {
        let rest = self.rest.as_deref().unwrap_or_default().replace(MARK, version);
        let key = format!("{}{}{version}{}{rest}", self.folder, self.before, self.after);
        match &self.source {
            Source::S3 { bucket } => Location::parse(&format!("s3://{bucket}/{key}"), root),
            Source::File => Location::parse(&format!("file://{key}"), root),
            Source::Oci { registry, repository } => {
                Location::parse(&format!("oci://{registry}/{repository}:{key}"), root)
            }
        }
    }

    /// The version in one listed name of the folder (a key's last segment, or a sub-folder):
    /// what sits between `before` and `after`, when that is a plain segment.
    fn version_in(&self, name: &str) -> Option<String> {
        let inner = name.strip_prefix(&self.before)?.strip_suffix(&self.after)?;
        (!inner.is_empty() && !inner.contains('/')).then(|| inner.to_string())
    }
}

/// The store and the key (or absolute path) before the version.
fn source(head: &str, shown: &str, root: &Path) -> Result<(Source, String)> {
    if let Some(rest) = head.strip_prefix("s3://") {
        let Some((bucket, key)) = rest.split_once('/') else {
            bail!("`{shown}` has `${{version}}` in the bucket name; a bucket cannot be listed for versions, put the version in the key");
        };
        if !is_bucket_name(bucket) {
            bail!("`{shown}`: `{bucket}` is not an S3 bucket name");
        }
        return Ok((
            Source::S3 {
                bucket: bucket.to_string(),
            },
            key.to_string(),
        ));
    }
    if let Some(rest) = head.strip_prefix("oci://") {
        return oci_source(rest, shown);
    }
    if let Some(path) = head.strip_prefix("file://") {
        let absolute = if path.starts_with('/') {
            path.to_string()
        } else {
            let root = std::path::absolute(root)
                .with_context(|| format!("finding the absolute path of {}", root.display()))?;
            format!("{}/{path}", root.display())
        };
        return Ok((Source::File, absolute));
    }
    let scheme = head.split_once("://").map_or("", |(s, _)| s);
    if scheme.is_empty() {
        bail!("`{shown}` is not a location URL; locations start with {SCHEMES}");
    }
    bail!("`{shown}` uses the scheme `{scheme}://`, whose versions pins cannot list; listing works for {SCHEMES}")
}

/// An `oci://` template lists the tags of its repository: the version must be in the tag.
fn oci_source(head: &str, shown: &str) -> Result<(Source, String)> {
    let tag_start = head.rfind(':').filter(|i| {
        !head.get(*i..).unwrap_or_default().contains('/') && head.get(..*i).unwrap_or_default().contains('/')
    });
    let Some((path, tag_head)) = tag_start.and_then(|i| Some((head.get(..i)?, head.get(i + 1..)?))) else {
        bail!("`{shown}` has `${{version}}` in the registry or repository name; the versions of an image are its tags, so put `${{version}}` in the tag (oci://REGISTRY/REPOSITORY:${{version}})");
    };
    let (registry, repository) = path.split_once('/').unwrap_or((path, ""));
    let source = Source::Oci {
        registry: registry.to_string(),
        repository: repository.to_string(),
    };
    Ok((source, tag_head.to_string()))
}

/// Every version at `pattern` in `stores` whose name matches; not yet judged as versions.
pub(crate) async fn list_versions(stores: &Stores, pattern: &Pattern, root: &Path) -> Result<Vec<Candidate>> {
    let names = match &pattern.source {
        Source::S3 { bucket } => list_s3(stores, bucket, pattern).await?,
        Source::File => list_folder(pattern)?,
        Source::Oci { .. } => list_tags(stores, pattern).await?,
    };
    let mut found = Vec::new();
    for (name, verified) in names {
        if let Some(version) = pattern.version_in(&name) {
            let location = pattern.location(&version, root)?;
            found.push(Candidate {
                version,
                location,
                verified,
            });
        }
    }
    Ok(found)
}

/// Names in the pattern's S3 folder that start with `before`: keys when the version ends the
/// key, else sub-folders (unverified). Every page is read.
async fn list_s3(stores: &Stores, bucket: &str, pattern: &Pattern) -> Result<Vec<(String, bool)>> {
    let client = stores.lister(bucket)?;
    let prefix = format!("{}{}", pattern.folder, pattern.before);
    let folders = pattern.rest.is_some();
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let options = PaginatedListOptions {
            delimiter: Some("/".into()),
            page_token: token.take(),
            ..PaginatedListOptions::default()
        };
        let page = client
            .list_paginated((!prefix.is_empty()).then_some(prefix.as_str()), options)
            .await
            .map_err(|e| anyhow!(e))
            .with_context(|| format!("listing s3://{bucket}/{prefix}"))?;
        let found: Vec<String> = match folders {
            true => page.result.common_prefixes.iter().map(|p| p.to_string()).collect(),
            false => page.result.objects.iter().map(|o| o.location.to_string()).collect(),
        };
        let level = pattern.folder.len();
        names.extend(
            found
                .into_iter()
                .map(|n| (n.get(level..).unwrap_or_default().to_string(), !folders)),
        );
        match page.page_token {
            Some(next) => token = Some(next),
            None => return Ok(names),
        }
    }
}

/// The tags of the pattern's registry repository, every page of them; each names an image.
async fn list_tags(stores: &Stores, pattern: &Pattern) -> Result<Vec<(String, bool)>> {
    let image = pattern
        .image()
        .ok_or_else(|| anyhow!("internal: not a registry pattern"))?;
    let tags = stores.list_tags(&image).await?;
    Ok(tags.into_iter().map(|tag| (tag, true)).collect())
}

/// Names in the pattern's local folder: files when the version ends the path, else folders that
/// hold the rest of the path (checked here, since it costs nothing). A missing folder holds none.
fn list_folder(pattern: &Pattern) -> Result<Vec<(String, bool)>> {
    let folder = Path::new(&pattern.folder);
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", folder.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", folder.display()))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(version) = pattern.version_in(&name) else {
            continue;
        };
        let Ok(Location::File { path }) = pattern.location(&version, Path::new("/")) else {
            continue;
        };
        if path.is_file() {
            names.push((name, true));
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> Result<Pattern> {
        Pattern::parse(&text.replace("${version}", MARK), Path::new("/repo"))
    }

    #[test]
    fn a_version_at_the_end_of_the_key() {
        let p = pattern("s3://dev-code/lambda-x/lambda-x-${version}.zip").unwrap();
        assert_eq!(
            (p.folder.as_str(), p.before.as_str(), p.after.as_str()),
            ("lambda-x/", "lambda-x-", ".zip")
        );
        assert_eq!(p.version_in("lambda-x-1.2.0.zip").as_deref(), Some("1.2.0"));
        assert_eq!(p.version_in("lambda-x-.zip"), None);
        assert_eq!(p.version_in("lambda-y-1.2.0.zip"), None);
        assert_eq!(
            p.location("1.2.0", Path::new("/")).unwrap().to_string(),
            "s3://dev-code/lambda-x/lambda-x-1.2.0.zip"
        );
    }

    #[test]
    fn a_version_folder_with_the_version_again_after_it() {
        let p = pattern("s3://code/frontend/${version}/frontend-${version}.tar.gz").unwrap();
        assert_eq!(
            (p.folder.as_str(), p.before.as_str(), p.after.as_str()),
            ("frontend/", "", "")
        );
        assert_eq!(
            p.location("v3.0.0", Path::new("/")).unwrap().to_string(),
            "s3://code/frontend/v3.0.0/frontend-v3.0.0.tar.gz"
        );
        let local = pattern("file://store/${version}/app.tar.gz").unwrap();
        assert_eq!(local.folder, "/repo/store/");
        assert_eq!(local.rest.as_deref(), Some("/app.tar.gz"));
    }

    #[test]
    fn an_oci_version_is_in_the_tag() {
        let p = pattern("oci://127.0.0.1:5000/team/api:v${version}-slim").unwrap();
        assert_eq!(
            (p.folder.as_str(), p.before.as_str(), p.after.as_str()),
            ("", "v", "-slim")
        );
        assert_eq!(p.version_in("v1.2.0-slim").as_deref(), Some("1.2.0"));
        assert_eq!(
            p.location("1.2.0", Path::new("/")).unwrap().to_string(),
            "oci://127.0.0.1:5000/team/api:v1.2.0-slim"
        );
        assert_eq!(p.image().unwrap().to_string(), "oci://127.0.0.1:5000/team/api:x");
        for (text, why) in [
            (
                "oci://ghcr.io/team/${version}:latest",
                "in the registry or repository name",
            ),
            ("oci://ghcr.io:${version}/api:1", "in the registry or repository name"),
            ("oci://ghcr.io:${version}", "in the registry or repository name"),
            ("oci://ghcr.io/API:${version}", "does not give valid locations"),
        ] {
            let e = format!("{:#}", pattern(text).unwrap_err());
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn templates_that_cannot_be_listed_say_why() {
        for (text, why) in [
            ("s3://b/x/x-1.0.0.zip", "has no `${version}`"),
            ("s3://code-${version}/x.zip", "in the bucket name"),
            ("s3://code/x-${version}-${version}.zip", "twice in one path segment"),
            ("s3://code/x/${version}//y.zip", "does not give valid locations"),
            ("gs://b/${version}.zip", "whose versions pins cannot list"),
            ("b/${version}.zip", "not a location URL"),
        ] {
            let e = format!("{:#}", pattern(text).unwrap_err());
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
