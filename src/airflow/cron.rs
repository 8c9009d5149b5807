//! Cron expressions as Airflow reads them (croniter's five fields): on which days of a year a
//! schedule fires, and at which times of day. Enough to tell whether two DAGs ever run on the
//! same day, not a scheduler.

/// A parsed five-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days_of_month: DaysOfMonth,
    months: u16,
    days_of_week: DaysOfWeek,
    /// Both day fields are restricted: croniter fires when either matches.
    either_day: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct DaysOfMonth {
    /// Bit `d` for day `d` (1–31).
    days: u32,
    last: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct DaysOfWeek {
    /// Bit `d` for weekday `d`, Sunday = 0.
    days: u8,
    /// `d#n`: the n-th weekday `d` of the month.
    nth: Vec<(u8, u8)>,
    /// `dL`: the last weekday `d` of the month.
    last: Vec<u8>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Cron {
    /// Reads a cron expression or preset (`@daily`); `None` when it is not one.
    pub fn parse(expression: &str) -> Option<Cron> {
        let expression = match expression.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@quarterly" => "0 0 1 */3 *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other => other,
        };
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields.as_slice() else {
            return None;
        };
        let minutes = bits(minute, 0, 59, &[])?;
        let hours = u32::try_from(bits(hour, 0, 23, &[])?).ok()?;
        let months = u16::try_from(bits(month, 1, 12, &MONTHS)? >> 1).ok()?;
        let days_of_month = days_of_month(dom)?;
        let days_of_week = days_of_week(dow)?;
        let restricted = |field: &str| !matches!(field, "*" | "?");
        Some(Cron {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            either_day: restricted(dom) && restricted(dow),
        })
    }

    /// Whether the schedule fires on a date (`weekday`: Sunday = 0).
    pub fn fires_on(&self, year: i32, month: u8, day: u8, weekday: u8) -> bool {
        if self.months & (1 << (month - 1)) == 0 {
            return false;
        }
        let length = month_length(year, month);
        let dom =
            self.days_of_month.days & (1 << day) != 0 || (self.days_of_month.last && day == length);
        let dow = self.days_of_week.days & (1 << weekday) != 0
            || self
                .days_of_week
                .nth
                .iter()
                .any(|&(d, n)| d == weekday && (day - 1) / 7 + 1 == n)
            || self
                .days_of_week
                .last
                .iter()
                .any(|&d| d == weekday && day + 7 > length);
        let dom_any = self.days_of_month.days == ALL_DAYS && !self.days_of_month.last;
        let dow_any = self.days_of_week.days == 0x7f;
        if self.either_day {
            dom || dow
        } else {
            (dom_any || dom) && (dow_any || dow)
        }
    }

    /// The days of `year` the schedule fires on.
    pub fn days_of(&self, year: i32) -> Days {
        let mut days = Days::default();
        // Most DAG schedules fire every day: no need to go through the calendar.
        if self.months == 0x0fff
            && self.days_of_month.days == ALL_DAYS
            && self.days_of_week.days == 0x7f
        {
            let length = (1..=12)
                .map(|month| month_length(year, month) as usize)
                .sum();
            (0..length).for_each(|index| days.add(index));
            return days;
        }
        let mut weekday = weekday_of(year, 1, 1);
        let mut index = 0;
        for month in 1..=12u8 {
            for day in 1..=month_length(year, month) {
                if self.fires_on(year, month, day, weekday) {
                    days.add(index);
                }
                weekday = (weekday + 1) % 7;
                index += 1;
            }
        }
        days
    }

    /// How many times a day it fires, on the days it fires.
    pub fn times_a_day(&self) -> u32 {
        self.hours.count_ones() * self.minutes.count_ones()
    }

    /// The first time of day it fires, as (hour, minute).
    pub fn first_time(&self) -> Option<(u8, u8)> {
        let hour = (0..24u8).find(|h| self.hours & (1 << h) != 0)?;
        let minute = (0..60u8).find(|m| self.minutes & (1 << m) != 0)?;
        Some((hour, minute))
    }
}

const ALL_DAYS: u32 = 0xffff_fffe;

/// Days of a year, one bit each (0-based day of the year): comparing two schedules is an
/// `and` of six words, so a rule comparing every pair of DAGs works them out once per DAG.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Days([u64; 6]);

impl Days {
    /// Adds a day (0-based day of the year).
    fn add(&mut self, index: usize) {
        if let Some(word) = self.0.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    /// Whether a day is in.
    #[cfg(test)]
    fn has(&self, index: usize) -> bool {
        self.0
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// Whether the two share a day.
    pub fn meet(&self, other: &Days) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    /// How many days.
    pub fn count(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }
}

/// The year whose days schedules are compared on: 2025 starts on a Wednesday; a year is
/// enough for monthly and weekly patterns.
pub const COMPARED_YEAR: i32 = 2025;

fn days_of_month(field: &str) -> Option<DaysOfMonth> {
    let mut days = 0u32;
    let mut last = false;
    for item in field.split(',') {
        match item.to_ascii_lowercase().as_str() {
            "l" => last = true,
            "?" => days = ALL_DAYS,
            item => days |= u32::try_from(bits(item, 1, 31, &[])?).ok()?,
        }
    }
    Some(DaysOfMonth { days, last })
}

fn days_of_week(field: &str) -> Option<DaysOfWeek> {
    let mut result = DaysOfWeek {
        days: 0,
        nth: Vec::new(),
        last: Vec::new(),
    };
    for item in field.split(',') {
        let item = item.to_ascii_lowercase();
        if item == "?" {
            result.days = 0x7f;
        } else if let Some((day, n)) = item.split_once('#') {
            result.nth.push((weekday(day)?, n.parse().ok()?));
        } else if let Some(day) = item.strip_suffix('l').filter(|d| !d.is_empty()) {
            result.last.push(weekday(day)?);
        } else {
            let bits = bits(&item, 0, 7, &WEEKDAYS)?;
            // 7 is Sunday too.
            let bits = (bits & 0x7f) | ((bits >> 7) & 1);
            result.days |= u8::try_from(bits).ok()?;
        }
    }
    Some(result)
}

fn weekday(text: &str) -> Option<u8> {
    let index = value(text, &WEEKDAYS, 0)?;
    Some(if index == 7 {
        0
    } else {
        u8::try_from(index).ok()?
    })
}

/// A field as bits `min..=max`: `*`, `a`, `a-b`, `*/n`, `a-b/n`, `a/n`, comma lists, names.
fn bits(field: &str, min: u32, max: u32, names: &[&str]) -> Option<u64> {
    let mut set = 0u64;
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, step.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (item, 1),
        };
        let (start, end) = match range {
            "*" | "?" => (min, max),
            range => match range.split_once('-') {
                Some((a, b)) => (value(a, names, min)?, value(b, names, min)?),
                None => {
                    let start = value(range, names, min)?;
                    // `a/n` runs from `a` to the end of the field.
                    (start, if item.contains('/') { max } else { start })
                }
            },
        };
        if start < min || end > max || start > end {
            return None;
        }
        let mut at = start;
        while at <= end {
            set |= 1 << at;
            at += step;
        }
    }
    Some(set)
}

/// A number or a name (`jan`, `mon`; names count from `base`).
fn value(text: &str, names: &[&str], base: u32) -> Option<u32> {
    let text = text.trim().to_ascii_lowercase();
    if let Ok(number) = text.parse() {
        return Some(number);
    }
    let index = names.iter().position(|name| *name == text)?;
    Some(u32::try_from(index).ok()? + base)
}

fn month_length(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Sunday = 0 (Sakamoto's method).
fn weekday_of(year: i32, month: u8, day: u8) -> u8 {
    const OFFSETS: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let year = if month < 3 { year - 1 } else { year };
    let weekday = (year + year / 4 - year / 100
        + year / 400
        + OFFSETS[usize::from(month - 1)]
        + i32::from(day))
        % 7;
    u8::try_from(weekday).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron(text: &str) -> Cron {
        Cron::parse(text).unwrap()
    }

    fn share_a_day(a: &Cron, b: &Cron) -> bool {
        a.days_of(COMPARED_YEAR).meet(&b.days_of(COMPARED_YEAR))
    }

    #[test]
    fn every_day_is_the_whole_year_as_the_calendar_says() {
        // The shortcut for schedules firing every day agrees with the calendar, day by day.
        for year in [2024, 2025] {
            let daily = cron("@daily");
            let days = daily.days_of(year);
            let mut weekday = weekday_of(year, 1, 1);
            let mut index = 0;
            for month in 1..=12u8 {
                for day in 1..=month_length(year, month) {
                    assert_eq!(days.has(index), daily.fires_on(year, month, day, weekday));
                    weekday = (weekday + 1) % 7;
                    index += 1;
                }
            }
            assert_eq!(days.count(), if year == 2024 { 366 } else { 365 });
        }
        let mondays = cron("0 6 * * MON").days_of(2025);
        assert_eq!(mondays.count(), 52);
        assert!(mondays.meet(&cron("@daily").days_of(2025)));
        assert!(!mondays.meet(&cron("0 6 * * 0,2-6").days_of(2025)));
    }

    #[test]
    fn weekday_splits_never_share_a_day() {
        // One DAG on Mondays and Thursdays, the other on the other days.
        assert!(!share_a_day(
            &cron("0 14 * * 1,4"),
            &cron("0 14 * * 0,2,3,5,6")
        ));
        assert!(share_a_day(&cron("45 8 * * *"), &cron("30 6 * * *")));
        assert!(share_a_day(&cron("45 8 * * *"), &cron("45 8 * * SUN#1")));
        assert!(!share_a_day(&cron("0 0 1 * *"), &cron("0 0 2-31 * *")));
        assert!(share_a_day(&cron("15 2/4 3-6 * *"), &cron("@daily")));
    }

    #[test]
    fn reads_days_and_times() {
        assert_eq!(weekday_of(2025, 1, 1), 3);
        let first_sunday = cron("45 8 * * SUN#1");
        assert_eq!(first_sunday.days_of(2025).count(), 12);
        let weekdays = cron("0 5,11,17,23 * * 1-5");
        assert_eq!(weekdays.days_of(2025).count(), 261);
        assert_eq!(weekdays.first_time(), Some((5, 0)));
        assert_eq!(cron("30 */6 */1 * *").first_time(), Some((0, 30)));
        // Day of month and day of week both given: either matches.
        let either = cron("0 0 1 * 1");
        assert!(either.fires_on(2025, 1, 6, 1));
        assert!(either.fires_on(2025, 2, 1, 6));
        assert!(Cron::parse("not a cron").is_none());
        assert!(Cron::parse("0 25 * * *").is_none());
    }
}
