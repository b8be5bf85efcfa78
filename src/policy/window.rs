//! Freezes and weekly windows on the time line: whether an instant is inside one, and when the
//! next window opens. Local times are read in the window's zone through the bundled IANA
//! database, so a window keeps its wall-clock hours across a daylight-saving change.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use super::spec::{day_name, ClockTime, Freeze, Window};

/// Whether `at` is inside the freeze: from its first second up to, not including, its end.
pub(crate) fn frozen(freeze: &Freeze, at: i64) -> bool {
    freeze.from <= at && at < freeze.to
}

/// Whether some window is open at `at` (true when there are none: no window, no limit).
pub(crate) fn open(windows: &[(String, Window)], at: i64) -> bool {
    windows.is_empty()
        || windows
            .iter()
            .any(|(_, w)| opening(w, at).is_some_and(|(start, _)| start <= at))
}

/// When some window next opens, strictly after `at`; `None` when none ever opens.
pub(crate) fn next_open(windows: &[(String, Window)], at: i64) -> Option<i64> {
    windows.iter().filter_map(|(_, w)| next_opening(w, at)).min()
}

/// The opening of `w` after `at`.
fn next_opening(w: &Window, at: i64) -> Option<i64> {
    match opening(w, at)? {
        (start, _) if start > at => Some(start),
        (_, end) => opening(w, end).map(|(start, _)| start).filter(|start| *start > at),
    }
}

/// The opening `[start, end)` of `w` that contains `at` or is the first after it; `None` when the
/// window is never open (no days).
pub(crate) fn opening(w: &Window, at: i64) -> Option<(i64, i64)> {
    let tz = zone(w);
    let today = Timestamp::from_second(at).ok()?.to_zoned_datetime(tz.clone()).date();
    for offset in -1i64..=8 {
        let day = today.checked_add(Span::new().days(offset)).ok()?;
        if !w.days.contains(&day.weekday()) {
            continue;
        }
        let (start, end) = (instant(&tz, day, w.from)?, instant(&tz, day, w.to)?);
        if end > at {
            return Some((start, end));
        }
    }
    None
}

fn zone(w: &Window) -> TimeZone {
    w.zone.as_ref().map_or(TimeZone::UTC, |z| z.tz.clone())
}

/// `time` on `day` in `tz` (a time inside a daylight-saving gap moves forward by the gap).
fn instant(tz: &TimeZone, day: Date, time: ClockTime) -> Option<i64> {
    let (day, minutes) = match time.0 {
        1440 => (day.tomorrow().ok()?, 0),
        m => (day, m),
    };
    let hour = i8::try_from(minutes / 60).ok()?;
    let minute = i8::try_from(minutes % 60).ok()?;
    let zoned = day.at(hour, minute, 0, 0).to_zoned_datetime(tz.clone()).ok()?;
    Some(zoned.timestamp().as_second())
}

/// A window in words: `mon, tue 09:00–16:00 Europe/Oslo`.
pub(crate) fn describe(w: &Window) -> String {
    let days: Vec<&str> = w.days.iter().map(|d| day_name(*d)).collect();
    let days = if days.is_empty() {
        "no days".to_string()
    } else {
        days.join(", ")
    };
    let zone = w.zone.as_ref().map_or("UTC", |z| z.name.as_str());
    format!("{days} {}–{} {zone}", w.from.text(), w.to.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::spec::Zone;
    use jiff::civil::Weekday;

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>().map(|t| t.as_second()).unwrap_or_default()
    }

    fn oslo_mondays() -> Vec<(String, Window)> {
        let tz = TimeZone::get("Europe/Oslo").ok();
        let window = Window {
            days: vec![Weekday::Monday, Weekday::Friday],
            from: ClockTime(9 * 60),
            to: ClockTime(16 * 60),
            zone: tz.map(|tz| Zone {
                name: "Europe/Oslo".into(),
                tz,
            }),
        };
        vec![("w".into(), window)]
    }

    #[test]
    fn a_window_keeps_its_local_hours_across_the_autumn_change() {
        let w = oslo_mondays();
        // Friday 23 October 2026 is summer time (UTC+2): 09:00 is 07:00Z.
        assert!(!open(&w, at("2026-10-23T06:59:59Z")));
        assert!(open(&w, at("2026-10-23T07:00:00Z")));
        assert!(!open(&w, at("2026-10-23T14:00:00Z")));
        // Monday 26 October is winter time (UTC+1): 09:00 is 08:00Z.
        assert_eq!(
            next_open(&w, at("2026-10-23T14:00:00Z")),
            Some(at("2026-10-26T08:00:00Z"))
        );
        assert!(!open(&w, at("2026-10-26T07:59:59Z")));
        assert!(open(&w, at("2026-10-26T08:00:00Z")));
    }

    #[test]
    fn a_window_without_days_never_opens() {
        let mut w = oslo_mondays();
        if let Some((_, window)) = w.first_mut() {
            window.days.clear();
        }
        assert!(!open(&w, 0));
        assert_eq!(next_open(&w, 0), None);
    }

    #[test]
    fn a_freeze_starts_at_its_first_second_and_ends_before_its_last() {
        let f = Freeze { from: 100, to: 200 };
        assert!(!frozen(&f, 99));
        assert!(frozen(&f, 100));
        assert!(frozen(&f, 199));
        assert!(!frozen(&f, 200));
    }
}
