//! The pins of one pin file at one commit, and the step from one commit's file to the next.
//!
//! Most commits in a pin file's history change a few version literals and nothing else. The step
//! checks that every byte outside the plain version literals is unchanged and that each literal
//! still holds a plain version; then the new pins are the old ones with those versions replaced —
//! no parse. Anything else (a new line, a comment, an escape) is parsed in full, so both paths
//! give what the parser gives.

use std::collections::HashMap;
use std::ops::Range;

use crate::resolve::{file_pins, locate, Pin};
use crate::tfvars::{SourceError, Str, TfVars};

/// One pin of a file: its identity, name, version, and where its literal's content lies when the
/// literal is plain (`"1.4.2"`, no escapes), which is what makes the quick step safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PinAt {
    pub id: Str,
    pub name: Str,
    pub version: Str,
    content: Option<Range<usize>>,
}

/// A pin file's bytes and pins.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileState {
    bytes: Vec<u8>,
    pub pins: Vec<PinAt>,
    /// Indexes into `pins` sorted by content start, for the quick step.
    by_offset: Vec<usize>,
}

/// What one step changed: the pins before and after, matched by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub id: Str,
    pub name: Str,
    pub from: Option<Str>,
    pub to: Option<Str>,
}

impl FileState {
    /// Parses a whole file.
    pub(crate) fn parse(file: &str, bytes: Vec<u8>) -> Result<FileState, SourceError> {
        let vars = TfVars::parse(file, bytes)?;
        let pins = file_pins(&vars).iter().map(|p| pin_at(&vars, p)).collect();
        Ok(FileState::new(vars.text().as_bytes().to_vec(), pins))
    }

    fn new(bytes: Vec<u8>, pins: Vec<PinAt>) -> FileState {
        let mut by_offset: Vec<usize> = (0..pins.len()).collect();
        by_offset.retain(|&i| pins.get(i).is_some_and(|p| p.content.is_some()));
        by_offset.sort_by_key(|&i| pins.get(i).and_then(|p| p.content.as_ref()).map_or(0, |r| r.start));
        FileState { bytes, pins, by_offset }
    }

    /// The file's state after it became `bytes`, and the pins that changed.
    pub(crate) fn next(&self, file: &str, bytes: Vec<u8>) -> Result<(FileState, Vec<Step>), SourceError> {
        if bytes == self.bytes {
            return Ok((self.clone(), Vec::new()));
        }
        if let Some(quick) = self.quick_next(&bytes) {
            return Ok(quick);
        }
        let next = FileState::parse(file, bytes)?;
        let steps = compare(&self.pins, &next.pins);
        Ok((next, steps))
    }

    /// The step without a parse, when only the contents of plain version literals changed: every
    /// byte outside them is the same, and each new content is still a plain version.
    fn quick_next(&self, bytes: &[u8]) -> Option<(FileState, Vec<Step>)> {
        let old = &self.bytes;
        let mut pins = self.pins.clone();
        let mut steps = Vec::new();
        let (mut at, mut delta) = (0usize, 0isize);
        for &slot in &self.by_offset {
            let pin = pins.get_mut(slot)?;
            let content = pin.content.clone()?;
            let start = content.start.checked_add_signed(delta)?;
            if old.get(at..content.start)? != bytes.get(at.checked_add_signed(delta)?..start)? {
                return None;
            }
            let len = bytes.get(start..)?.iter().take_while(|b| is_plain(**b)).count();
            let raw = bytes.get(start..start + len)?;
            if raw != old.get(content.clone())? {
                let version: Str = std::str::from_utf8(raw).ok()?.into();
                steps.push(Step {
                    id: pin.id.clone(),
                    name: pin.name.clone(),
                    from: Some(pin.version.clone()),
                    to: Some(version.clone()),
                });
                pin.version = version;
            }
            pin.content = Some(start..start + len);
            delta += len as isize - content.len() as isize;
            at = content.end;
        }
        if old.get(at..)? != bytes.get(at.checked_add_signed(delta)?..)? {
            return None;
        }
        let by_offset = self.by_offset.clone();
        let next = FileState {
            bytes: bytes.to_vec(),
            pins,
            by_offset,
        };
        Some((next, steps))
    }
}

/// A byte that a version may hold without changing how its literal parses.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._+-".contains(&b)
}

fn pin_at(vars: &TfVars, pin: &Pin) -> PinAt {
    let content = locate(vars, pin).and_then(|node| {
        let span = node.span.start()..node.span.end();
        let raw = vars.text().get(span.clone())?;
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        (inner == &*pin.version).then(|| span.start + 1..span.end - 1)
    });
    PinAt {
        id: pin.id().into(),
        name: pin.name.clone(),
        version: pin.version.clone(),
        content,
    }
}

/// The pins that differ between two lists, matched by id: `old`'s order, then `new`'s additions.
pub(crate) fn compare(old: &[PinAt], new: &[PinAt]) -> Vec<Step> {
    let new_index: HashMap<&str, &PinAt> = new.iter().map(|p| (&*p.id, p)).collect();
    let old_index: HashMap<&str, &PinAt> = old.iter().map(|p| (&*p.id, p)).collect();
    let mut steps = Vec::new();
    for o in old {
        let n = new_index.get(&*o.id);
        if n.is_some_and(|n| n.version == o.version) {
            continue;
        }
        steps.push(Step {
            id: o.id.clone(),
            name: n.map_or(&o.name, |n| &n.name).clone(),
            from: Some(o.version.clone()),
            to: n.map(|n| n.version.clone()),
        });
    }
    for n in new.iter().filter(|n| !old_index.contains_key(&*n.id)) {
        steps.push(Step {
            id: n.id.clone(),
            name: n.name.clone(),
            from: None,
            to: Some(n.version.clone()),
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> FileState {
        FileState::parse("f.tfvars", text.as_bytes().to_vec()).unwrap()
    }

    /// The quick step and a full parse agree on every edit, quick or not.
    fn agree(old: &str, new: &str) -> Vec<Step> {
        let (next, steps) = parse(old).next("f.tfvars", new.as_bytes().to_vec()).unwrap();
        let full = parse(new);
        let strip = |pins: &[PinAt]| -> Vec<(Str, Str, Str)> {
            pins.iter()
                .map(|p| (p.id.clone(), p.name.clone(), p.version.clone()))
                .collect()
        };
        assert_eq!(strip(&next.pins), strip(&full.pins), "{old:?} -> {new:?}");
        assert_eq!(steps, compare(&parse(old).pins, &full.pins), "{old:?} -> {new:?}");
        steps
    }

    #[test]
    fn quick_step_matches_a_full_parse() {
        let base = "a = \"1.4.2\"\nm = {\n  x = \"1.0.0\"\n  y = \"2.0.0\"\n}\n";
        let quick = parse(base).quick_next(base.replace("1.4.2", "1.4.12").replace("2.0.0", "2.1").as_bytes());
        assert_eq!(
            quick.map(|q| q.1.len()),
            Some(2),
            "edits of plain literals take the quick path"
        );
        agree(
            base,
            &base
                .replace("1.4.2", "1.4.12")
                .replace("1.0.0", "1.0.0-rc.1")
                .replace("2.0.0", "3"),
        );
        agree(base, &base.replace("1.4.2", "1.4.12"));
        agree(base, &base.replace("2.0.0", "10.0.0-rc.1"));
        agree(base, &base.replace("1.0.0", "1.0"));
        // Not quick: escapes, quotes, templates, a new line, a comment, a key.
        agree(base, &base.replace("1.0.0", "1.0\\u0030"));
        agree(base, &base.replace("1.0.0\"", "1.0.0\" # why"));
        let template = base.replace("1.0.0", "${x}");
        assert!(
            parse(base).next("f.tfvars", template.into_bytes()).is_err(),
            "a template is refused as the parser refuses it"
        );
        agree(base, &base.replace("  y", "  z"));
        agree(base, &base.replace("}\n", "  z = \"3.0.0\"\n}\n"));
        assert_eq!(agree(base, base), vec![]);
    }

    #[test]
    fn a_later_duplicate_key_wins_in_both_paths() {
        let base = "m = {\n  x = \"1.0.0\"\n  x = \"2.0.0\"\n}\n";
        let steps = agree(base, &base.replacen("1.0.0", "1.5.0", 1));
        assert_eq!(steps, vec![], "the first duplicate is not the one Terraform uses");
        let steps = agree(base, &base.replacen("2.0.0", "2.5.0", 1));
        assert_eq!(steps.len(), 1);
    }

    fn file(versions: &[String], comment: bool) -> String {
        let mut text = String::from("top = \"0.1.0\"\nm = {\n");
        for (i, v) in versions.iter().enumerate() {
            text.push_str(&format!("  k{i} = \"{v}\"\n"));
        }
        if comment {
            text.push_str("  # note\n");
        }
        text.push_str("}\n");
        text
    }

    proptest::proptest! {
        /// Whatever the edit, the step gives what a full parse gives (or fails as it fails).
        #[test]
        fn the_step_always_agrees_with_a_full_parse(
            old in proptest::collection::vec("[0-9a-z.+-]{0,6}", 1..6),
            new in proptest::collection::vec("[0-9a-z.+\\-\"\\\\$ {}]{0,6}", 1..6),
            comment in proptest::bool::ANY,
        ) {
            let before = parse(&file(&old, false));
            let after = file(&new, comment);
            let full = FileState::parse("f.tfvars", after.clone().into_bytes());
            match (before.next("f.tfvars", after.into_bytes()), full) {
                (Ok((next, steps)), Ok(full)) => {
                    let strip = |pins: &[PinAt]| -> Vec<(Str, Str)> { pins.iter().map(|p| (p.id.clone(), p.version.clone())).collect() };
                    proptest::prop_assert_eq!(strip(&next.pins), strip(&full.pins));
                    proptest::prop_assert_eq!(steps, compare(&before.pins, &full.pins));
                }
                (Err(_), Err(_)) => {}
                (a, b) => proptest::prop_assert!(false, "step {:?} but parse {:?}", a.map(|x| x.1), b.map(|x| x.pins)),
            }
        }
    }
}
