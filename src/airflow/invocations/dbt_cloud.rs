//! `DbtCloudRunJobOperator`: the job's commands live in dbt Cloud, unless `steps_override`
//! lists them here.

use super::{Extraction, Family, calls_in_command, items_of};
use crate::airflow::value::Value;
use crate::source::Spanned;

pub const DBT_CLOUD_JOB: Family = Family {
    name: "DbtCloudRunJobOperator",
    recognizes: |call| call.name() == "DbtCloudRunJobOperator",
    extract: |call| {
        let mut extraction = Extraction::default();
        if let Some(steps) = call
            .kwarg("steps_override")
            .filter(|s| !matches!(s.value, Value::None))
        {
            for step in items_of(steps) {
                match &step.value {
                    Value::Str(text) => {
                        let found = calls_in_command(text);
                        extraction.calls.extend(found.calls);
                        extraction.unresolved.extend(found.unresolved);
                    }
                    other => extraction.unresolved.push(Spanned::new(
                        format!("a `steps_override` step is {}", other.describe()),
                        step.span.clone(),
                    )),
                }
            }
            return extraction;
        }
        let job = call
            .kwarg("job_id")
            .map(|id| id.value.describe())
            .or_else(|| call.kwarg("job_name").map(|name| name.value.describe()))
            .unwrap_or_else(|| "?".to_owned());
        extraction.unresolved.push(Spanned::new(
            format!("runs dbt Cloud job {job}, whose commands live in dbt Cloud"),
            call.span
                .text()
                .find('\n')
                .map_or(call.span.clone(), |end| call.span.subspan(0..end)),
        ));
        extraction
    },
};
