//! Dates and times as DAG files compute them to create one task per period: `datetime`/`date`
//! (and pendulum's) values, `timedelta` and `relativedelta` arithmetic, `strftime`,
//! `strptime`, comparisons. Values stay the calls they are written as
//! (`datetime.datetime(2024, 1, 31)`), so schedules and start dates read them as before; the
//! arithmetic reads and writes their arguments. The clock (`date.today()`, `datetime.now()`)
//! is not read: a DAG file's tasks would change from one day to the next.

use std::cmp::Ordering;

use crate::airflow::value::{Call, Item, Text, Value};
use crate::source::Span;

/// A calendar date and time of day, as a `datetime`, `date` or pendulum `DateTime` call.
#[derive(Debug, Clone)]
pub struct Moment {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    /// Seconds since midnight.
    pub seconds: i64,
    /// The callee it was written with, to write results the same way.
    callee: String,
    /// `tz=`/`tzinfo=`, kept as written.
    zone: Option<(String, Item)>,
}

/// What a date-like call is: a point in time, or an amount of time to add.
enum Amount {
    /// `timedelta`: exact seconds.
    Exact(i64),
    /// `relativedelta`/pendulum `add(...)`: calendar months and exact seconds, then absolute
    /// fields (`day=1`).
    Calendar {
        months: i64,
        seconds: i64,
        absolute: Vec<(String, i64)>,
    },
}

impl Moment {
    /// The moment a value stands for, when it is a date or datetime call with known numbers.
    pub fn of(value: &Value) -> Option<Moment> {
        let call = value.as_call()?;
        let kind = call.name();
        if !matches!(kind, "datetime" | "date" | "DateTime" | "Date") || call.unknown_splat {
            return None;
        }
        let field = |name: &str, position: usize, default: Option<i64>| -> Option<i64> {
            match call.arg(name, position).map(|item| &item.value) {
                Some(Value::Int(n)) => Some(*n),
                Some(_) => None,
                None => default,
            }
        };
        let (year, month, day) = (
            field("year", 0, None)?,
            field("month", 1, None)?,
            field("day", 2, None)?,
        );
        let time = if kind.eq_ignore_ascii_case("date") {
            0
        } else {
            field("hour", 3, Some(0))? * 3600
                + field("minute", 4, Some(0))? * 60
                + field("second", 5, Some(0))?
        };
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let zone = ["tz", "tzinfo"].iter().find_map(|key| {
            call.kwarg(key)
                .map(|item| ((*key).to_owned(), item.clone()))
        });
        Some(Moment {
            year,
            month,
            day,
            seconds: time,
            callee: call.callee.clone(),
            zone,
        })
    }

    /// A moment from `datetime.strptime(text, format)` (`%Y %m %d %H %M %S %y %j`, literal
    /// characters), written as a `datetime.datetime` call.
    pub fn parse(text: &str, format: &str, callee: &str) -> Option<Moment> {
        let mut fields = [1900, 1, 1, 0, 0, 0];
        let mut rest = text;
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                rest = rest.strip_prefix(c)?;
                continue;
            }
            let (slot, width) = match chars.next()? {
                'Y' => (0, 4),
                'y' => (6, 2),
                'm' => (1, 2),
                'd' => (2, 2),
                'H' => (3, 2),
                'M' => (4, 2),
                'S' => (5, 2),
                '%' => {
                    rest = rest.strip_prefix('%')?;
                    continue;
                }
                _ => return None,
            };
            let digits = rest
                .chars()
                .take(width)
                .take_while(char::is_ascii_digit)
                .count();
            let number: i64 = rest.get(..digits)?.parse().ok()?;
            rest = &rest[digits..];
            match slot {
                6 => {
                    fields[0] = if number < 69 {
                        2000 + number
                    } else {
                        1900 + number
                    }
                }
                _ => fields[slot] = number,
            }
        }
        if !rest.is_empty() {
            return None;
        }
        let [year, month, day, hour, minute, second] = fields;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Moment {
            year,
            month,
            day,
            seconds: hour * 3600 + minute * 60 + second,
            callee: callee.to_owned(),
            zone: None,
        })
    }

    /// The moment as a call, written as the moment it came from was.
    pub fn to_value(&self, span: &Span) -> Value {
        let int = |n: i64| Item::new(Value::Int(n), span.clone());
        let mut args = vec![int(self.year), int(self.month), int(self.day)];
        if !self.is_date() {
            args.extend([
                int(self.seconds / 3600),
                int(self.seconds / 60 % 60),
                int(self.seconds % 60),
            ]);
        }
        Value::Call(Box::new(Call {
            callee: self.callee.clone(),
            args,
            kwargs: self.zone.iter().cloned().collect(),
            unknown_splat: false,
            span: span.clone(),
        }))
    }

    fn is_date(&self) -> bool {
        self.callee
            .rsplit('.')
            .next()
            .is_some_and(|name| name.eq_ignore_ascii_case("date"))
    }

    fn day_number(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    fn at_day_number(&self, days: i64, seconds: i64) -> Moment {
        let (year, month, day) = civil_from_days(days);
        Moment {
            year,
            month,
            day,
            seconds,
            ..self.clone()
        }
    }

    /// The moment moved by `seconds` exactly.
    fn shifted(&self, seconds: i64) -> Moment {
        let total = self.day_number() * 86_400 + self.seconds + seconds;
        self.at_day_number(total.div_euclid(86_400), total.rem_euclid(86_400))
    }

    /// The moment moved by calendar months (the day clamped to the month's last), then by
    /// exact seconds, then with absolute fields set, as `relativedelta` does.
    fn moved(&self, months: i64, seconds: i64, absolute: &[(String, i64)]) -> Option<Moment> {
        let mut moment = self.clone();
        for (field, value) in absolute {
            match field.as_str() {
                "year" => moment.year = *value,
                "month" if (1..=12).contains(value) => moment.month = *value,
                "day" => moment.day = *value,
                "hour" => moment.seconds = moment.seconds % 3600 + value * 3600,
                "minute" => {
                    moment.seconds = moment.seconds / 3600 * 3600 + value * 60 + moment.seconds % 60
                }
                "second" => moment.seconds = moment.seconds / 60 * 60 + value,
                _ => return None,
            }
        }
        let index = moment.year * 12 + (moment.month - 1) + months;
        moment.year = index.div_euclid(12);
        moment.month = index.rem_euclid(12) + 1;
        moment.day = moment
            .day
            .clamp(1, days_in_month(moment.year, moment.month));
        Some(moment.shifted(seconds))
    }

    pub fn compare(&self, other: &Moment) -> Ordering {
        (self.day_number(), self.seconds).cmp(&(other.day_number(), other.seconds))
    }

    /// `strftime` with the common directives.
    pub fn format(&self, format: &str) -> Option<String> {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let mut out = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let text = match chars.next()? {
                'Y' => format!("{:04}", self.year),
                'y' => format!("{:02}", self.year.rem_euclid(100)),
                'm' => format!("{:02}", self.month),
                'd' => format!("{:02}", self.day),
                'H' => format!("{:02}", self.seconds / 3600),
                'M' => format!("{:02}", self.seconds / 60 % 60),
                'S' => format!("{:02}", self.seconds % 60),
                'j' => format!(
                    "{:03}",
                    self.day_number() - days_from_civil(self.year, 1, 1) + 1
                ),
                'B' => MONTHS[(self.month - 1) as usize].to_owned(),
                'b' => MONTHS[(self.month - 1) as usize][..3].to_owned(),
                '%' => "%".to_owned(),
                _ => return None,
            };
            out.push_str(&text);
        }
        Some(out)
    }

    /// `isoformat()` / `str()`: `2024-01-31` or `2024-01-31T00:00:00` (`str` uses a space).
    pub fn iso(&self, separator: char) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if self.is_date() {
            return date;
        }
        format!(
            "{date}{separator}{:02}:{:02}:{:02}",
            self.seconds / 3600,
            self.seconds / 60 % 60,
            self.seconds % 60
        )
    }
}

/// `moment + amount`, `moment - amount` and `moment - moment`.
pub fn arithmetic(operator: &str, left: &Value, right: &Value, span: &Span) -> Option<Value> {
    let moment = Moment::of(left)?;
    if let Some(other) = Moment::of(right) {
        if operator != "-" {
            return None;
        }
        let seconds =
            (moment.day_number() - other.day_number()) * 86_400 + moment.seconds - other.seconds;
        return Some(timedelta(seconds, span));
    }
    let sign = match operator {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let moved = match amount_of(right)? {
        Amount::Exact(seconds) => moment.shifted(sign * seconds),
        Amount::Calendar {
            months,
            seconds,
            absolute,
        } => moment.moved(sign * months, sign * seconds, &absolute)?,
    };
    Some(moved.to_value(span))
}

/// A `timedelta(seconds=...)` call.
fn timedelta(seconds: i64, span: &Span) -> Value {
    let int = |n: i64| Item::new(Value::Int(n), span.clone());
    Value::Call(Box::new(Call {
        callee: "datetime.timedelta".into(),
        args: Vec::new(),
        kwargs: vec![
            ("days".into(), int(seconds.div_euclid(86_400))),
            ("seconds".into(), int(seconds.rem_euclid(86_400))),
        ],
        unknown_splat: false,
        span: span.clone(),
    }))
}

/// The amount of time a `timedelta(...)` or `relativedelta(...)` call adds.
fn amount_of(value: &Value) -> Option<Amount> {
    let call = value.as_call()?;
    if call.unknown_splat {
        return None;
    }
    let number = |item: &Item| match item.value {
        Value::Int(n) => Some(n),
        Value::Float(x) if x.fract() == 0.0 => Some(x as i64),
        _ => None,
    };
    const EXACT: [(&str, i64); 5] = [
        ("weeks", 604_800),
        ("days", 86_400),
        ("hours", 3_600),
        ("minutes", 60),
        ("seconds", 1),
    ];
    match call.name() {
        "timedelta" | "Duration" | "duration" => {
            // timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks)
            const POSITIONS: [&str; 7] = [
                "days",
                "seconds",
                "microseconds",
                "milliseconds",
                "minutes",
                "hours",
                "weeks",
            ];
            let mut seconds = 0;
            for (position, unit) in POSITIONS.iter().enumerate() {
                let Some(item) = call.arg(unit, position) else {
                    continue;
                };
                let n = number(item)?;
                seconds += match *unit {
                    "microseconds" | "milliseconds" => {
                        if n != 0 {
                            return None;
                        }
                        0
                    }
                    unit => n * EXACT.iter().find(|(u, _)| *u == unit)?.1,
                };
            }
            if call.kwarg("months").is_some() || call.kwarg("years").is_some() {
                let months = call.kwarg("years").map_or(Some(0), number)? * 12
                    + call.kwarg("months").map_or(Some(0), number)?;
                return Some(Amount::Calendar {
                    months,
                    seconds,
                    absolute: Vec::new(),
                });
            }
            Some(Amount::Exact(seconds))
        }
        "relativedelta" => {
            let mut months = 0;
            let mut seconds = 0;
            let mut absolute = Vec::new();
            for (key, item) in &call.kwargs {
                let n = number(item)?;
                match key.as_str() {
                    "years" => months += 12 * n,
                    "months" => months += n,
                    "year" | "month" | "day" | "hour" | "minute" | "second" => {
                        absolute.push((key.clone(), n));
                    }
                    unit => seconds += n * EXACT.iter().find(|(u, _)| *u == unit)?.1,
                }
            }
            Some(Amount::Calendar {
                months,
                seconds,
                absolute,
            })
        }
        _ => None,
    }
}

/// Pendulum's `moment.add(months=1)` / `.subtract(days=2)`: the same as `+`/`-` a
/// relativedelta of those arguments.
pub fn pendulum_shift(method: &str, moment: &Value, call: &Call) -> Option<Value> {
    let operator = match method {
        "add" => "+",
        "subtract" => "-",
        _ => return None,
    };
    let delta = Value::Call(Box::new(Call {
        callee: "relativedelta".into(),
        ..call.clone()
    }));
    arithmetic(operator, moment, &delta, &call.span)
}

/// `moment.attribute`: `year`, `month`, `day`, `hour`, `minute`, `second`; a timedelta's
/// `days` and `seconds`.
pub fn attribute(value: &Value, name: &str) -> Option<Value> {
    if let Some(moment) = Moment::of(value) {
        return Some(Value::Int(match name {
            "year" => moment.year,
            "month" => moment.month,
            "day" => moment.day,
            "hour" => moment.seconds / 3600,
            "minute" => moment.seconds / 60 % 60,
            "second" => moment.seconds % 60,
            _ => return None,
        }));
    }
    let Amount::Exact(seconds) = amount_of(value)? else {
        return None;
    };
    Some(Value::Int(match name {
        "days" => seconds.div_euclid(86_400),
        "seconds" => seconds.rem_euclid(86_400),
        _ => return None,
    }))
}

/// Methods of a moment: `strftime`, `isoformat`, `date()`, `replace(...)`, `weekday()`,
/// `add`/`subtract` (pendulum), `start_of("month")`; `total_seconds()` of a timedelta.
pub fn method(name: &str, value: &Value, call: &Call) -> Option<Value> {
    let span = &call.span;
    let Some(moment) = Moment::of(value) else {
        return match (name, amount_of(value)?) {
            ("total_seconds", Amount::Exact(seconds)) => Some(Value::Float(seconds as f64)),
            _ => None,
        };
    };
    let text = |text: String| Some(Value::Str(Text::literal(text, span.clone(), false)));
    match name {
        "strftime" => moment
            .format(&call.arg("format", 0)?.value.as_str()?)
            .and_then(text),
        "isoformat" => text(moment.iso('T')),
        "to_date_string" => text(format!(
            "{:04}-{:02}-{:02}",
            moment.year, moment.month, moment.day
        )),
        "weekday" => Some(Value::Int((moment.day_number() + 3).rem_euclid(7))),
        "date" => Some(
            Moment {
                callee: "datetime.date".into(),
                seconds: 0,
                zone: None,
                ..moment
            }
            .to_value(span),
        ),
        "replace" | "set" => {
            let mut absolute = Vec::new();
            for (key, item) in &call.kwargs {
                let Value::Int(n) = item.value else {
                    return None;
                };
                absolute.push((key.clone(), n));
            }
            let replaced = moment.moved(0, 0, &absolute)?;
            Some(replaced.to_value(span))
        }
        "add" | "subtract" => pendulum_shift(name, value, call),
        "start_of" => match call.arg("unit", 0)?.value.as_str()?.as_str() {
            "month" => Some(
                Moment {
                    day: 1,
                    seconds: 0,
                    ..moment
                }
                .to_value(span),
            ),
            "year" => Some(
                Moment {
                    month: 1,
                    day: 1,
                    seconds: 0,
                    ..moment
                }
                .to_value(span),
            ),
            "day" => Some(
                Moment {
                    seconds: 0,
                    ..moment
                }
                .to_value(span),
            ),
            _ => None,
        },
        _ => None,
    }
}

/// `pendulum.period(start, end).range("months")` (`pendulum.interval` in pendulum 3): every
/// moment from `start` to `end` included, a unit apart; `None` past `limit` moments.
pub fn period_range(period: &Call, unit: &str, limit: usize) -> Option<Vec<Value>> {
    if !matches!(period.name(), "period" | "interval" | "Period" | "Interval") {
        return None;
    }
    let start = Moment::of(&period.arg("start", 0)?.value)?;
    let end = Moment::of(&period.arg("end", 1)?.value)?;
    let (months, seconds) = match unit.trim_end_matches('s') {
        "year" => (12, 0),
        "month" => (1, 0),
        "week" => (0, 604_800),
        "day" => (0, 86_400),
        "hour" => (0, 3_600),
        "minute" => (0, 60),
        _ => return None,
    };
    let mut moments = Vec::new();
    for step in 0.. {
        let moment = start.moved(months * step, seconds * step, &[])?;
        if moment.compare(&end) == Ordering::Greater {
            break;
        }
        if moments.len() == limit {
            return None;
        }
        moments.push(moment.to_value(&period.span));
    }
    Some(moments)
}

/// The text `str()` or an f-string field gives a moment.
pub fn display(value: &Value) -> Option<String> {
    Moment::of(value).map(|moment| moment.iso(' '))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        for days in [-800_000, -1, 0, 59, 60, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
