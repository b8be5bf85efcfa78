//! The values of a `promotion "ENV" { … }` block as written in pins.hcl. Each one is checked as it
//! is read, so the positioned reader reports a bad duration, weekday, time, time zone or instant
//! at its `pins.hcl:line:col`, and a block whose fields disagree at the block.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::version::Kind;

/// `min_soak`: a duration such as `24h`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Soak(pub i64);

impl<'de> Deserialize<'de> for Soak {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        seconds(&text).map(Soak).map_err(D::Error::custom)
    }
}

/// A duration's seconds, or why it is not one.
pub(crate) fn seconds(text: &str) -> Result<i64, String> {
    let d = humantime::parse_duration(text).map_err(|e| {
        format!(
            "`{}` is not a duration such as 24h, 90m or 2d ({e})",
            text.escape_debug()
        )
    })?;
    i64::try_from(d.as_secs()).map_err(|_| format!("`{}` is too long", text.escape_debug()))
}

/// One entry of `auto`: a kind of change as `pins diff` classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoKind(pub Kind);

/// The kinds `auto` may list; `removed` and `downgrade` always wait for a person.
const AUTO_KINDS: [Kind; 6] = [
    Kind::Patch,
    Kind::Minor,
    Kind::Major,
    Kind::Prerelease,
    Kind::Added,
    Kind::Changed,
];

impl<'de> Deserialize<'de> for AutoKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match AUTO_KINDS.iter().find(|k| k.as_str() == text) {
            Some(kind) => Ok(AutoKind(*kind)),
            None => Err(D::Error::custom(format!(
                "`{}` is not a kind of change `promote --auto` may make; use {}",
                text.escape_debug(),
                AUTO_KINDS.map(Kind::as_str).join(", ")
            ))),
        }
    }
}

/// An RFC 3339 instant (`2026-12-20T00:00:00Z`), in seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub i64);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let at: jiff::Timestamp = text.parse().map_err(|e| {
            D::Error::custom(format!(
                "`{}` is not an RFC 3339 time such as 2026-12-20T00:00:00Z ({e})",
                text.escape_debug()
            ))
        })?;
        Ok(Instant(at.as_second()))
    }
}

/// `freeze "NAME" { from, to }`: no promotion from `from` (included) to `to` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freeze {
    pub from: i64,
    pub to: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreezeText {
    from: Instant,
    to: Instant,
}

impl<'de> Deserialize<'de> for Freeze {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let FreezeText { from, to } = FreezeText::deserialize(d)?;
        if from.0 >= to.0 {
            return Err(D::Error::custom("the freeze's `from` is not before its `to`"));
        }
        Ok(Freeze { from: from.0, to: to.0 })
    }
}

/// A weekday named `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub Weekday);

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match DAYS.iter().find(|(name, _)| *name == text) {
            Some((_, day)) => Ok(Day(*day)),
            None => Err(D::Error::custom(format!(
                "`{}` is not a weekday; use mon, tue, wed, thu, fri, sat or sun",
                text.escape_debug()
            ))),
        }
    }
}

/// The short name of a weekday, as pins.hcl writes it.
pub(crate) fn day_name(day: Weekday) -> &'static str {
    DAYS.iter().find(|(_, d)| *d == day).map_or("?", |(name, _)| name)
}

/// A time of day `HH:MM`, as minutes after midnight (`24:00` is 1440, the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(pub u16);

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        clock_time(&text).map(ClockTime).ok_or_else(|| {
            D::Error::custom(format!(
                "`{}` is not a time of day HH:MM such as 09:00 (00:00 to 24:00)",
                text.escape_debug()
            ))
        })
    }
}

fn clock_time(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

impl ClockTime {
    /// `HH:MM`.
    pub(crate) fn text(self) -> String {
        format!("{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A time zone of the IANA database (bundled with pins), by name.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub tz: TimeZone,
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match TimeZone::get(&name) {
            Ok(tz) => Ok(Zone { name, tz }),
            Err(_) => Err(D::Error::custom(format!(
                "`{}` is not a time zone of the IANA database, such as Europe/Oslo or UTC",
                name.escape_debug()
            ))),
        }
    }
}

/// `window "NAME" { days, from, to, zone }`: open on `days` from `from` (included) to `to`
/// (excluded), local time in `zone` (UTC when not given).
#[derive(Debug, Clone)]
pub struct Window {
    pub days: Vec<Weekday>,
    pub from: ClockTime,
    pub to: ClockTime,
    pub zone: Option<Zone>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowText {
    days: Vec<Day>,
    from: ClockTime,
    to: ClockTime,
    zone: Option<Zone>,
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WindowText::deserialize(d)?;
        if w.from >= w.to {
            return Err(D::Error::custom(format!(
                "the window's `from` {} is not before its `to` {}; a window cannot cross midnight, so split it in two",
                w.from.text(),
                w.to.text()
            )));
        }
        Ok(Window {
            days: w.days.into_iter().map(|d| d.0).collect(),
            from: w.from,
            to: w.to,
            zone: w.zone,
        })
    }
}
