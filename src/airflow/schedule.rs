//! When a DAG runs: its `schedule` (or Airflow 2's `schedule_interval`) read into a typed
//! value, and the timetable Airflow builds from it, which differs between Airflow 2 and 3
//! (a cron string gives Airflow 2 a data interval as long as the cron period and Airflow 3 a
//! zero-length one, so `data_interval_start == data_interval_end`).

use serde::Serialize;
use serde_json::json;

use super::cron::{COMPARED_YEAR, Cron, Days};
use super::model::Dag;
use super::value::{Call, Item, Value};

/// A DAG's schedule, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Schedule {
    /// No schedule given: Airflow 2 runs the DAG daily, Airflow 3 only when triggered.
    Default,
    /// `schedule=None`: only when triggered.
    Manual,
    /// A cron expression or a cron preset (`@daily`).
    Cron { expression: String },
    /// `@once`.
    Once,
    /// `@continuous`: a new run as soon as the last one ends.
    Continuous,
    /// `timedelta(...)`.
    Interval { seconds: f64 },
    /// A timetable object (`CronTriggerTimetable(...)`, a custom class).
    Timetable {
        class: String,
        expressions: Vec<String>,
        timezone: Option<String>,
        /// `interval=` of trigger timetables, `delta` of delta timetables, in seconds.
        interval_seconds: Option<f64>,
    },
    /// Datasets (Airflow 2) or Assets (Airflow 3): runs when they are updated.
    Datasets { condition: Condition },
    /// `DatasetOrTimeSchedule`/`AssetOrTimeSchedule`: on updates, and on a timetable.
    DatasetsOrTime {
        condition: Condition,
        timetable: Box<Schedule>,
    },
    /// An expression monolint cannot evaluate.
    Unknown { expression: String },
}

/// Which dataset updates trigger a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Condition {
    Dataset {
        uri: String,
    },
    /// Every one of them updated (a list, `&`, `DatasetAll`/`AssetAll`).
    All {
        of: Vec<Condition>,
    },
    /// Any one of them updated (`|`, `DatasetAny`/`AssetAny`).
    Any {
        of: Vec<Condition>,
    },
    Unknown {
        expression: String,
    },
}

/// The Airflow major version a DAG folder runs on (`[airflow] version = 3` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "u8")]
pub enum AirflowVersion {
    V2,
    V3,
}

// Written by hand: the config spells a version as a bare integer, which a derive would describe
// as any `u8`.
impl schemars::JsonSchema for AirflowVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AirflowVersion".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An Airflow major version: 2 or 3.",
            "type": "integer",
            "enum": [2, 3],
        })
    }
}

impl TryFrom<u8> for AirflowVersion {
    type Error = String;

    fn try_from(major: u8) -> Result<Self, String> {
        match major {
            2 => Ok(AirflowVersion::V2),
            3 => Ok(AirflowVersion::V3),
            other => Err(format!(
                "Airflow {other} is not a version monolint knows (2 or 3)"
            )),
        }
    }
}

/// The timetable Airflow builds: its class name and the parameters it serializes.
#[derive(Debug, Clone, PartialEq)]
pub struct Timetable {
    pub class: String,
    pub params: serde_json::Value,
}

impl Schedule {
    pub fn of(dag: &Dag) -> Schedule {
        match dag
            .kwarg("schedule")
            .or_else(|| dag.kwarg("schedule_interval"))
            .or_else(|| dag.kwarg("timetable"))
        {
            None => Schedule::Default,
            Some(item) => Schedule::from_item(item),
        }
    }

    fn from_item(item: &Item) -> Schedule {
        let unknown = || Schedule::Unknown {
            expression: item.span.text().to_owned(),
        };
        match &item.value {
            Value::None => Schedule::Manual,
            Value::Str(text) => match text.known().as_deref() {
                Some("@once") => Schedule::Once,
                Some("@continuous") => Schedule::Continuous,
                Some(expression) => Schedule::Cron {
                    expression: expression.to_owned(),
                },
                None => unknown(),
            },
            Value::List(_) => Schedule::Datasets {
                condition: Condition::from_item(item),
            },
            Value::Call(call) => match call.name() {
                "timedelta" => {
                    seconds(item).map_or_else(unknown, |seconds| Schedule::Interval { seconds })
                }
                "DatasetOrTimeSchedule" | "AssetOrTimeSchedule" => {
                    let (Some(timetable), Some(datasets)) = (
                        call.kwarg("timetable"),
                        call.kwarg("datasets").or_else(|| call.kwarg("assets")),
                    ) else {
                        return unknown();
                    };
                    Schedule::DatasetsOrTime {
                        condition: Condition::from_item(datasets),
                        timetable: Box::new(Schedule::from_item(timetable)),
                    }
                }
                name if Condition::is_condition(name) => Schedule::Datasets {
                    condition: Condition::from_item(item),
                },
                name if name.ends_with("Timetable") => timetable_call(call),
                _ => unknown(),
            },
            _ => unknown(),
        }
    }

    /// The timetable Airflow builds from this schedule for a DAG in `timezone` (see
    /// [`timezone`]), when monolint knows it.
    pub fn timetable(&self, version: AirflowVersion, timezone: &str) -> Option<Timetable> {
        let v3 = version == AirflowVersion::V3;
        let timetable = |class: &str, params| Timetable {
            class: class.to_owned(),
            params,
        };
        Some(match self {
            Schedule::Default if v3 => timetable("NullTimetable", json!({})),
            Schedule::Default => timetable("DeltaDataIntervalTimetable", json!({"delta": 86400.0})),
            Schedule::Manual => timetable("NullTimetable", json!({})),
            Schedule::Once => timetable("OnceTimetable", json!({})),
            Schedule::Continuous => timetable("ContinuousTimetable", json!({})),
            Schedule::Cron { expression } => {
                let expression = preset_cron(expression).unwrap_or(expression);
                if v3 {
                    timetable(
                        "CronTriggerTimetable",
                        json!({"expression": expression, "interval": 0.0, "timezone": timezone}),
                    )
                } else {
                    timetable(
                        "CronDataIntervalTimetable",
                        json!({"expression": expression, "timezone": timezone}),
                    )
                }
            }
            Schedule::Interval { seconds } if v3 => timetable(
                "DeltaTriggerTimetable",
                json!({"delta": seconds, "interval": 0.0}),
            ),
            Schedule::Interval { seconds } => {
                timetable("DeltaDataIntervalTimetable", json!({"delta": seconds}))
            }
            Schedule::Timetable {
                class,
                expressions,
                timezone: class_timezone,
                interval_seconds,
            } => {
                let timezone = class_timezone.as_deref().unwrap_or(timezone);
                let params = match class.as_str() {
                    "CronTriggerTimetable" => json!({
                        "expression": expressions.first()?,
                        "interval": interval_seconds.unwrap_or(0.0),
                        "timezone": timezone,
                    }),
                    "MultipleCronTriggerTimetable" => json!({
                        "expressions": expressions,
                        "interval": interval_seconds.unwrap_or(0.0),
                        "timezone": timezone,
                    }),
                    "CronDataIntervalTimetable" => {
                        json!({"expression": expressions.first()?, "timezone": timezone})
                    }
                    "DeltaDataIntervalTimetable" => json!({"delta": (*interval_seconds)?}),
                    _ => return None,
                };
                timetable(class, params)
            }
            Schedule::Datasets { condition } => timetable(
                if v3 {
                    "AssetTriggeredTimetable"
                } else {
                    "DatasetTriggeredTimetable"
                },
                json!({"condition": condition.uris()?}),
            ),
            Schedule::DatasetsOrTime {
                condition,
                timetable: inner,
            } => {
                let inner = inner.timetable(version, timezone)?;
                let mut inner_json = inner.params;
                inner_json
                    .as_object_mut()?
                    .insert("class".into(), json!(inner.class));
                timetable(
                    if v3 {
                        "AssetOrTimeSchedule"
                    } else {
                        "DatasetOrTimeSchedule"
                    },
                    json!({"condition": condition.uris()?, "timetable": inner_json}),
                )
            }
            Schedule::Unknown { .. } => return None,
        })
    }

    /// Whether runs of this schedule have a data interval of zero length on `version`:
    /// `data_interval_start` equals `data_interval_end`.
    pub fn zero_length_interval(&self, version: AirflowVersion) -> Option<bool> {
        let timetable = self.timetable(version, "UTC")?;
        Some(match timetable.class.as_str() {
            "CronTriggerTimetable" | "MultipleCronTriggerTimetable" | "DeltaTriggerTimetable" => {
                timetable.params["interval"].as_f64() == Some(0.0)
            }
            _ => false,
        })
    }

    /// Dataset URIs whose updates trigger this schedule.
    pub fn dataset_uris(&self) -> Vec<&str> {
        match self {
            Schedule::Datasets { condition } | Schedule::DatasetsOrTime { condition, .. } => {
                condition.dataset_uris()
            }
            _ => Vec::new(),
        }
    }

    /// The cron expression the DAG runs on, when it runs on one (a cron string or preset, or a
    /// cron timetable).
    pub fn cron(&self) -> Option<Cron> {
        match self {
            Schedule::Cron { expression } => Cron::parse(expression),
            Schedule::Timetable { expressions, .. } => match expressions.as_slice() {
                [one] => Cron::parse(one),
                _ => None,
            },
            _ => None,
        }
    }

    /// The days of a year a cron schedule fires on (see [`may_share_a_day`]).
    pub fn days(&self) -> Option<Days> {
        Some(self.cron()?.days_of(COMPARED_YEAR))
    }

    /// Whether the DAG runs several times a day: a cron firing more than once a day, an
    /// interval shorter than a day, `@continuous`. Such a DAG refreshes intraday.
    pub fn intraday(&self) -> bool {
        const DAY: f64 = 86_400.0;
        match self {
            Schedule::Continuous => true,
            Schedule::Interval { seconds } => *seconds < DAY,
            Schedule::Timetable {
                interval_seconds: Some(seconds),
                expressions,
                ..
            } if expressions.is_empty() => *seconds < DAY,
            _ => self.cron().is_some_and(|cron| cron.times_a_day() > 1),
        }
    }

    /// A short text for tables: the cron expression, `None`, `@once`, `every 6h`, ...
    pub fn describe(&self) -> String {
        match self {
            Schedule::Default => "(default)".to_owned(),
            Schedule::Manual => "None".to_owned(),
            Schedule::Cron { expression } => expression.clone(),
            Schedule::Once => "@once".to_owned(),
            Schedule::Continuous => "@continuous".to_owned(),
            Schedule::Interval { seconds } => format!("every {}", duration(*seconds)),
            Schedule::Timetable {
                class, expressions, ..
            } => match expressions.as_slice() {
                [] => class.clone(),
                _ => format!("{class}({})", expressions.join(", ")),
            },
            Schedule::Datasets { .. } => "datasets".to_owned(),
            Schedule::DatasetsOrTime { timetable, .. } => {
                format!("datasets or {}", timetable.describe())
            }
            Schedule::Unknown { expression } => expression.clone(),
        }
    }
}

impl Condition {
    fn is_condition(name: &str) -> bool {
        matches!(
            name,
            "Dataset"
                | "Asset"
                | "DatasetAll"
                | "DatasetAny"
                | "AssetAll"
                | "AssetAny"
                | "DatasetAlias"
                | "AssetAlias"
        )
    }

    pub fn from_item(item: &Item) -> Condition {
        let unknown = || Condition::Unknown {
            expression: item.span.text().to_owned(),
        };
        match &item.value {
            Value::List(items) => Condition::All {
                of: items.iter().map(Condition::from_item).collect(),
            },
            Value::Call(call) => match call.name() {
                "Dataset" => call
                    .arg("uri", 0)
                    .and_then(|uri| uri.value.as_str())
                    .map_or_else(unknown, |uri| Condition::Dataset { uri }),
                // An Asset's uri defaults to its name.
                "Asset" => call
                    .kwarg("uri")
                    .or_else(|| call.arg("name", 0))
                    .and_then(|uri| uri.value.as_str())
                    .map_or_else(unknown, |uri| Condition::Dataset { uri }),
                "DatasetAll" | "AssetAll" => Condition::All {
                    of: call.args.iter().map(Condition::from_item).collect(),
                },
                "DatasetAny" | "AssetAny" => Condition::Any {
                    of: call.args.iter().map(Condition::from_item).collect(),
                },
                _ => unknown(),
            },
            _ => unknown(),
        }
    }

    /// The condition as nested `{"all"|"any": [...]}` of URIs, when fully known.
    fn uris(&self) -> Option<serde_json::Value> {
        Some(match self {
            Condition::Dataset { uri } => json!(uri),
            Condition::All { of } => {
                json!({"all": of.iter().map(Condition::uris).collect::<Option<Vec<_>>>()?})
            }
            Condition::Any { of } => {
                json!({"any": of.iter().map(Condition::uris).collect::<Option<Vec<_>>>()?})
            }
            Condition::Unknown { .. } => return None,
        })
    }

    /// The URIs of the datasets the condition names, in order.
    pub fn dataset_uris(&self) -> Vec<&str> {
        let mut uris = Vec::new();
        self.collect_uris(&mut uris);
        uris
    }

    fn collect_uris<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Dataset { uri } => out.push(uri),
            Condition::All { of } | Condition::Any { of } => {
                for condition in of {
                    condition.collect_uris(out);
                }
            }
            Condition::Unknown { .. } => {}
        }
    }
}

/// The DAG's timezone, which its cron schedules run in: the timezone of its `start_date`
/// (`pendulum.datetime(..., tz="Europe/Paris")`, `tzinfo=ZoneInfo(...)`), else UTC (Airflow's
/// default `default_timezone`). `None` when the start date's timezone cannot be read.
pub fn timezone(dag: &Dag) -> Option<String> {
    let start_date = match dag.kwarg("start_date") {
        Some(item) => Some(item),
        None => dag.default_arg("start_date").ok()?,
    };
    let Some(start_date) = start_date else {
        return Some("UTC".to_owned());
    };
    let call = start_date.value.as_call()?;
    let zone = match call.kwarg("tz").or_else(|| call.kwarg("tzinfo")) {
        None => return Some("UTC".to_owned()),
        Some(zone) => zone,
    };
    match &zone.value {
        Value::Str(text) => text.known(),
        // `pendulum.timezone("X")`, `ZoneInfo("X")`, `pendulum.UTC` is a path.
        Value::Call(zone) => zone.args.first().and_then(|name| name.value.as_str()),
        Value::Path(path) if path.ends_with(".UTC") => Some("UTC".to_owned()),
        _ => None,
    }
}

/// `CronTriggerTimetable("0 3 * * *", timezone="UTC", interval=timedelta(days=1))` and kin.
fn timetable_call(call: &Call) -> Schedule {
    let class = call.name().to_owned();
    let mut expressions = Vec::new();
    let mut interval_seconds = None;
    if class.starts_with("Delta") {
        interval_seconds = call.arg("delta", 0).and_then(seconds);
    } else if class == "MultipleCronTriggerTimetable" {
        expressions.extend(call.args.iter().filter_map(|arg| arg.value.as_str()));
    } else {
        expressions.extend(call.arg("cron", 0).and_then(|cron| cron.value.as_str()));
    }
    if let Some(interval) = call.kwarg("interval") {
        interval_seconds = seconds(interval);
    }
    Schedule::Timetable {
        class,
        expressions,
        timezone: call.kwarg("timezone").and_then(|tz| tz.value.as_str()),
        interval_seconds,
    }
}

/// Seconds of a `timedelta(...)` call with known numbers.
pub fn seconds(item: &Item) -> Option<f64> {
    let call = item.value.as_call()?;
    if call.name() != "timedelta" || call.unknown_splat {
        return None;
    }
    const UNITS: [(&str, f64); 7] = [
        ("days", 86400.0),
        ("seconds", 1.0),
        ("microseconds", 1e-6),
        ("milliseconds", 1e-3),
        ("minutes", 60.0),
        ("hours", 3600.0),
        ("weeks", 604800.0),
    ];
    let mut total = 0.0;
    for (position, (unit, factor)) in UNITS.iter().enumerate() {
        if let Some(value) = call.arg(unit, position) {
            let number = match value.value {
                Value::Int(n) => n as f64,
                Value::Float(x) => x,
                _ => return None,
            };
            total += number * factor;
        }
    }
    Some(total)
}

/// The cron expression of a preset (`@daily` → `0 0 * * *`).
fn preset_cron(preset: &str) -> Option<&'static str> {
    Some(match preset {
        "@hourly" => "0 * * * *",
        "@daily" | "@midnight" => "0 0 * * *",
        "@weekly" => "0 0 * * 0",
        "@monthly" => "0 0 1 * *",
        "@quarterly" => "0 0 1 */3 *",
        "@yearly" | "@annually" => "0 0 1 1 *",
        _ => return None,
    })
}

fn duration(seconds: f64) -> String {
    let whole = seconds as u64;
    if seconds.fract() != 0.0 || whole == 0 {
        return format!("{seconds}s");
    }
    for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60)] {
        if whole.is_multiple_of(size) {
            return format!("{}{unit}", whole / size);
        }
    }
    format!("{whole}s")
}

/// Whether two DAGs may run on the same day, from their schedules' [`Schedule::days`] (worked
/// out once per DAG by rules that compare many pairs): unless both run on cron schedules that
/// never share a day (one on Mondays and Thursdays, the other on the other days).
pub fn may_share_a_day(a: Option<Days>, b: Option<Days>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.meet(&b),
        _ => true,
    }
}
