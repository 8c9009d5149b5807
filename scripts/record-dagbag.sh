#!/usr/bin/env bash
# Record what real Airflow sees in the fixture DAG folders, as an oracle for monolint's static
# DAG extractor (which parses DAG files with tree-sitter and never imports them).
#
# Usage:
#   scripts/record-dagbag.sh                  # every folder listed in FOLDERS below
#   scripts/record-dagbag.sh dags [broken]    # only these (names under tests/fixtures/airflow/)
#   scripts/record-dagbag.sh --resolve 2|3    # print a fresh pin set for the Airflow 2 / 3 venv
#
# Inputs:  tests/fixtures/airflow/<folder>/*.py   DAG files (dags/ also holds common.py, which
#          they import); tests/fixtures/airflow/dbt/ is the dbt project their Cosmos DAGs render
#          (its target/manifest.json comes from scripts/regen-manifests.sh).
# Output:  tests/oracle/dagbag/<folder>.json, written by scripts/dagbag_record.py (see its
#          docstring for the fields): import errors (first line of the exception), warnings
#          about the DAG files, and per DAG its id, file, owner, schedule, timetable, catchup,
#          max_active_runs, tags, default_args of interest and every task (operator class,
#          owner, retries, upstream/downstream, datasets, and the dbt-relevant arguments as
#          Airflow holds them before templating; Cosmos DbtDag/DbtTaskGroup tasks with their
#          dbt node).
#
# Each folder is loaded by its own Airflow:
#   dags, broken    Airflow 2 (.venv-airflow2/)
#   dags_gusty      Airflow 2: DAGs built by gusty from folders of YAML task files
#   dags_factory_v0 Airflow 2: DAGs built by dag-factory 0.23 (the previous major version)
#   dags_airflow3   Airflow 3 (.venv-airflow3/), for files that import airflow.sdk & co.
#   dags_factory    Airflow 3: DAGs built by dag-factory 1.1
# Each folder's .airflowignore is applied by Airflow's own file listing.
# The venvs are created on first use (gitignored) from the exact pins below, so a rerun
# installs the same packages; a venv is rebuilt when its pins change. Installing one takes
# 5 to 12 minutes (the Google and Amazon providers are large); recording all folders, 30 s.
# PyPI is the only index needed: Airflow's constraint files live on GitHub, so the pins
# are the resolution of REQUIREMENTS_AIRFLOWn on Python 3.11, written here in full.
#
# How a folder is loaded: DagBag(dag_folder=<folder>), files collected in sorted order (DagBag
# itself walks in directory order, which differs between checkouts), in a fresh process with a
# temporary AIRFLOW_HOME and AIRFLOW__CORE__DAGS_FOLDER=<folder> (Airflow puts the DAGs folder
# on sys.path, so `import common` works). No metadata database is needed (`airflow db migrate`
# is not run) because Cosmos' dbt ls cache, the one part that would use it, is turned off.
# The caller's AIRFLOW*, DBT_* and PYTHON* settings are cleared; DBT_EXECUTABLE_PATH is set
# to the venv's dbt (the Cosmos dbt-ls DAG reads it), and PATH holds only the venv and the
# system directories, so Cosmos' default dbt path is the venv's dbt too. Paths under the
# repository are recorded relative to it, so the records do not depend on the checkout.
#
# Deployment paths: some fixture DAGs read the dbt project where a Docker image or Composer puts
# it (DEPLOYMENT_PATHS below: Astronomer's /usr/local/airflow/dbt, Composer's
# /home/airflow/gcs/data/dbt). While recording, each such path is a symlink to
# tests/fixtures/airflow/dbt, as the image would have it; a path that already exists is left
# alone (recording then stops), and the symlinks (and the folders made for them) are removed
# afterwards. This writes outside the repository, so it needs the right to create those paths.
#
# The output is deterministic: rerunning on unchanged inputs rewrites identical bytes.
#
# Environment: PYTHON (default python3; 3.11, for which the pins were resolved).
set -euo pipefail

FOLDERS=(dags broken dags_airflow3 dags_gusty dags_factory_v0 dags_factory)

# Where deployed DAGs find the fixtures' dbt project (see "Deployment paths" above).
DEPLOYMENT_PATHS=(/usr/local/airflow/dbt /home/airflow/gcs/data/dbt)

# Which Airflow loads which folder.
airflow_major_for() {
  case "$1" in
    dags_airflow3 | dags_factory) echo 3 ;;
    *) echo 2 ;;
  esac
}

# Top-level requirements. dbt-core/dbt-duckdb match scripts/regen-manifests.sh.
REQUIREMENTS_AIRFLOW2="
apache-airflow==2.11.2
apache-airflow-providers-standard
apache-airflow-providers-cncf-kubernetes
apache-airflow-providers-docker
apache-airflow-providers-amazon
apache-airflow-providers-google
apache-airflow-providers-microsoft-azure
apache-airflow-providers-dbt-cloud
astronomer-cosmos==1.15.1
airflow-dbt==0.4.0
airflow-dbt-python
dbt-core==1.11.16
dbt-duckdb==1.11.1
gusty==0.23.1
dag-factory==0.23.0
"
# airflow-dbt (GoCardless) installs here too but cannot be imported on Airflow 3 (it needs
# airflow.hooks.base_hook), so no Airflow 3 fixture uses it.
REQUIREMENTS_AIRFLOW3="
apache-airflow==3.3.2
apache-airflow-providers-standard
apache-airflow-providers-cncf-kubernetes
apache-airflow-providers-docker
apache-airflow-providers-amazon
apache-airflow-providers-google
apache-airflow-providers-microsoft-azure
apache-airflow-providers-dbt-cloud
astronomer-cosmos==1.15.1
airflow-dbt==0.4.0
airflow-dbt-python
dbt-core==1.11.16
dbt-duckdb==1.11.1
gusty==0.23.1
dag-factory==1.1.0
"

# The full dependency closure of REQUIREMENTS_AIRFLOW2 on Python 3.11 (pip constraints).
CONSTRAINTS_AIRFLOW2="
absql==0.8.0
adal==1.2.7
adlfs==2026.8.0
aenum==3.1.17
agate==1.9.1
aiofiles==25.1.0
aiohappyeyeballs==2.7.1
aiohttp-cors==0.8.1
aiohttp-jinja2==1.6
aiohttp==3.14.5
aiosignal==1.4.0
aiosmtplib==5.1.3
airflow-dbt-python==3.6.2
airflow-dbt==0.4.0
alembic==1.19.2
annotated-types==0.8.0
anyio==4.16.0
apache-airflow-providers-amazon==9.39.0
apache-airflow-providers-cncf-kubernetes==10.25.0
apache-airflow-providers-common-compat==1.23.0
apache-airflow-providers-common-io==1.11.0
apache-airflow-providers-common-sql==2.4.0
apache-airflow-providers-dbt-cloud==4.11.1
apache-airflow-providers-docker==4.6.1
apache-airflow-providers-fab==1.5.4
apache-airflow-providers-ftp==3.16.1
apache-airflow-providers-google==22.8.0
apache-airflow-providers-http==6.3.0
apache-airflow-providers-imap==3.13.1
apache-airflow-providers-microsoft-azure==15.2.1
apache-airflow-providers-smtp==3.2.0
apache-airflow-providers-sqlite==4.3.4
apache-airflow-providers-standard==1.21.0
apache-airflow==2.11.2
apispec==6.10.1
argcomplete==3.7.2
asgiref==3.13.0
asn1crypto==1.5.1
astronomer-cosmos==1.15.1
attrs==26.1.0
authlib==1.9.9
azure-ai-projects==2.4.0
azure-batch==15.1.0
azure-common==1.1.28
azure-core==1.41.0
azure-cosmos==4.17.1
azure-datalake-store==1.0.1
azure-identity==1.27.0
azure-keyvault-secrets==4.12.0
azure-kusto-data==6.0.4
azure-mgmt-compute==39.0.0
azure-mgmt-containerinstance==10.1.0
azure-mgmt-containerregistry==15.0.0
azure-mgmt-core==1.6.0
azure-mgmt-cosmosdb==10.0.0
azure-mgmt-datafactory==10.0.0
azure-mgmt-datalake-nspkg==3.0.1
azure-mgmt-datalake-store==0.5.0
azure-mgmt-nspkg==3.0.2
azure-mgmt-resource==26.0.0
azure-mgmt-storage==25.3.0
azure-nspkg==3.0.2
azure-servicebus==7.15.0
azure-storage-blob==12.31.1
azure-storage-file-datalake==12.26.1
azure-storage-file-share==12.27.1
azure-synapse-artifacts==0.22.0
azure-synapse-spark==0.7.0
babel==2.18.0
beautifulsoup4==4.15.0
blinker==1.9.0
boto3==1.44.5
botocore==1.44.5
cachelib==0.17.0
cattrs==26.2.1
certifi==2026.10.18
cffi==2.1.1
chardet==7.7.0
charset-normalizer==3.5.2
click==8.5.1
clickclick==20.10.2
cloudpickle==3.1.2
colorama==0.4.6
colorful==0.5.8
colorlog==6.12.0
configupdater==4.1.1
connexion==2.15.1
cron-descriptor==2.2.1
croniter==7.0.0
cryptography==50.0.2
daff==1.4.2
dag-factory==0.23.0
db-dtypes==1.9.0
dbt-adapters==1.24.5
dbt-common==1.39.0
dbt-core==1.11.16
dbt-duckdb==1.11.1
dbt-extractor==0.6.0
dbt-protos==1.0.615
dbt-semantic-interfaces==0.9.0
decorator==5.3.1
deepdiff==8.6.2
deprecated==1.3.1
deprecation==2.1.0
dill==0.4.1
distlib==0.4.4
distro==1.9.0
dnspython==2.9.2
docker==7.2.0
docstring-parser==0.18.0
duckdb==2.0.0
durationpy==0.11
email-validator==2.4.0
fastjsonschema==2.22.3
fastuuid==0.14.0
filelock==4.2.12
flask-appbuilder==4.5.4
flask-babel==2.0.0
flask-caching==2.4.1
flask-jwt-extended==4.7.4
flask-limiter==3.12
flask-login==0.6.3
flask-session==0.8.0
flask-sqlalchemy==2.5.1
flask-wtf==1.3.0
flask==2.3.3
frozenlist==1.8.0
fsspec==2026.9.0
gcloud-aio-auth==5.5.1
gcloud-aio-bigquery==7.2.0
gcloud-aio-storage==9.6.5
gcsfs==2026.10.1
google-ads==34.0.0
google-analytics-admin==0.30.2
google-api-core==2.44.0
google-api-python-client==2.202.0
google-auth-httplib2==0.4.4
google-auth-oauthlib==1.5.0
google-auth==2.62.2
google-cloud-aiplatform==2.7.0
google-cloud-alloydb==0.11.4
google-cloud-appengine-logging==1.11.0
google-cloud-audit-log==0.6.3
google-cloud-automl==2.21.0
google-cloud-batch==0.22.4
google-cloud-bigquery-datatransfer==3.24.0
google-cloud-bigquery-storage==2.43.0
google-cloud-bigquery==3.47.0
google-cloud-bigtable==2.50.2
google-cloud-build==3.43.0
google-cloud-compute==1.57.0
google-cloud-container==2.67.0
google-cloud-core==2.8.0
google-cloud-datacatalog==3.32.0
google-cloud-dataflow-client==0.14.1
google-cloud-dataform==0.11.4
google-cloud-dataplex==2.21.0
google-cloud-dataproc-metastore==1.24.0
google-cloud-dataproc==5.32.0
google-cloud-dlp==3.40.0
google-cloud-kms==3.18.0
google-cloud-language==2.22.0
google-cloud-logging==3.17.0
google-cloud-managedkafka==0.4.2
google-cloud-memcache==1.17.0
google-cloud-monitoring==2.32.0
google-cloud-orchestration-airflow==1.23.0
google-cloud-os-login==2.23.0
google-cloud-pubsub==2.44.0
google-cloud-redis==2.23.0
google-cloud-resource-manager==1.19.0
google-cloud-run==0.16.2
google-cloud-secret-manager==2.32.0
google-cloud-spanner==3.71.0
google-cloud-speech==2.41.0
google-cloud-storage-control==1.17.0
google-cloud-storage-transfer==1.22.0
google-cloud-storage==3.17.1
google-cloud-tasks==2.26.0
google-cloud-texttospeech==2.38.0
google-cloud-translate==3.28.0
google-cloud-videointelligence==2.21.0
google-cloud-vision==3.16.0
google-cloud-workflows==1.24.0
google-crc32c==1.9.0
google-genai==2.34.0
google-re2==1.1.20251105
google-resumable-media==2.11.0
googleapis-common-protos==1.76.0
greenlet==3.5.6
grpc-google-iam-v1==0.14.6
grpc-interceptor==0.15.4
grpcio-gcp==0.2.2
grpcio-status==1.85.1
grpcio==1.85.1
gunicorn==27.0.1
gusty==0.23.1
h11==0.16.0
h2==4.4.1
hf-xet==1.8.0
hpack==4.2.0
httpcore2==2.16.2
httpcore==1.0.9
httplib2==0.32.1
httpx2==2.16.2
httpx==0.28.1
huggingface-hub==2.4.0
hyperframe==6.1.0
idna==3.20
ijson==3.4.0.post0
immutabledict==4.3.1
importlib-metadata==8.9.0
inflection==0.5.1
isodate==0.7.2
itsdangerous==2.2.0
jinja2==3.1.6
jiter==0.19.0
jmespath==1.1.0
joblib==1.6.0
joserfc==1.8.0
jsonpath-ng==1.16.0
jsonschema-specifications==2025.9.1
jsonschema==4.26.0
jupyter-core==5.9.1
jupytext==1.19.7
kubernetes-asyncio==36.1.0
kubernetes==36.0.3
lazy-object-proxy==1.13.0
leather==0.4.1
limits==5.8.0
linkify-it-py==2.2.0
litellm==1.96.2
lockfile==0.12.2
looker-sdk==26.22.0
lxml==6.1.3
mako==1.4.3
markdown-it-py==4.3.0
markupsafe==3.0.4
marshmallow-oneofschema==3.2.0
marshmallow-sqlalchemy==0.28.2
marshmallow==3.26.2
mashumaro==3.14
mdit-py-plugins==0.7.0
mdurl==0.1.2
methodtools==0.4.7
microsoft-kiota-abstractions==1.16.0
microsoft-kiota-authentication-azure==1.16.0
microsoft-kiota-http==1.12.3
microsoft-kiota-serialization-json==1.16.0
microsoft-kiota-serialization-text==1.16.0
mmh3==5.3.1
more-itertools==10.8.0
msal-extensions==1.3.1
msal==1.39.0
msgpack==1.2.4
msgraph-core==1.5.1
msgraphfs==0.5
msgspec==0.22.0
msrest==0.7.1
msrestazure==0.6.4.post1
multidict==7.2.1
narwhals==2.29.0
nbformat==5.11.1
networkx==3.6.1
numpy==2.4.6
oauthlib==4.0.1
openai==2.54.0
opencensus-context==0.1.3
opencensus==0.11.4
openlineage-integration-common==1.54.0
openlineage-python==1.54.0
openlineage-sql==1.54.0
opentelemetry-api==1.45.2
opentelemetry-exporter-http-transport==0.66b2
opentelemetry-exporter-otlp-common==0.66b2
opentelemetry-exporter-otlp-proto-common==1.45.2
opentelemetry-exporter-otlp-proto-grpc==1.45.2
opentelemetry-exporter-otlp-proto-http==1.45.2
opentelemetry-exporter-otlp==1.45.2
opentelemetry-exporter-prometheus==0.66b2
opentelemetry-proto==1.45.2
opentelemetry-resourcedetector-gcp==1.14.0
opentelemetry-sdk==1.45.2
opentelemetry-semantic-conventions==0.66b2
ordered-set==4.1.0
orderly-set==5.5.0
packaging==26.3
pandas-gbq==0.35.3
pandas==3.1.1
parsedatetime==2.6
pathspec==0.12.1
pendulum==3.3.0
platformdirs==4.14.7
pluggy==1.7.0
prison==0.2.1
prometheus-client==0.26.0
propcache==0.5.4
proto-plus==1.29.0
protobuf==6.33.6
psutil==7.2.2
py-spy==0.4.3
pyarrow==26.0.1
pyasn1-modules==0.4.2
pyasn1==0.6.5
pyathena==4.2.1
pycparser==3.12
pydantic-core==2.50.4
pydantic-settings==2.16.3
pydantic==2.14.3
pydata-google-auth==1.9.1
pygments==2.21.0
pyjwt==2.15.1
pyparsing==3.3.3
python-daemon==3.1.2
python-dateutil==2.9.0.post0
python-discovery==1.9.5
python-dotenv==1.2.4
python-multipart==0.0.34
python-nvd3==0.16.0
python-slugify==9.2.0
pytimeparse==1.1.10
pytz==2026.6
pyyaml==6.0.3
ray==2.60.0
redshift-connector==2.2.0
referencing==0.37.0
regex==2026.11.15
requests-oauthlib==2.0.0
requests-toolbelt==1.0.0
requests==2.34.2
rfc3339-validator==0.1.4
rich-argparse==1.8.0
rich==13.9.4
rpds-py==2026.9.1
ruamel-yaml==0.19.1
s3transfer==0.19.3
sagemaker-studio==1.0.27
scikit-learn==1.9.1
scipy==1.17.1
scramp==1.4.18
setproctitle==1.3.8
setuptools==84.2.1
six==1.17.0
smart-open==9.0.2
sniffio==1.3.1
snowplow-tracker==1.1.0
soupsieve==2.10
sqlalchemy-bigquery==1.17.3
sqlalchemy-jsonfield==1.0.3
sqlalchemy-spanner==1.20.1
sqlalchemy-utils==0.42.1
sqlalchemy==1.4.54
sqlglot==30.31.0
sqlparse==0.6.1
std-uritemplate==2.0.12
tabulate==0.10.0
tenacity==9.1.4
termcolor==3.3.0
text-unidecode==1.3
threadpoolctl==3.8.0
tiktoken==0.14.0
tokenizers==0.23.3
tqdm==4.70.1
traitlets==5.16.1
truststore==0.10.5
types-protobuf==7.35.1.20260906
typing-extensions==4.16.0
typing-inspection==0.4.5
tzdata==2026.6
universal-pathlib==0.2.6
uritemplate==4.2.0
urllib3==2.8.0
virtualenv==21.15.8
watchtower==3.4.0
websocket-client==1.9.2
websockets==17.4
werkzeug==3.1.9
wirerope==1.0.0
wrapt==2.5.2
wtforms==3.3.2
yarl==1.25.1
zipp==4.1.2
"

# The full dependency closure of REQUIREMENTS_AIRFLOW3 on Python 3.11 (pip constraints).
CONSTRAINTS_AIRFLOW3="
a2wsgi==1.10.10
absql==0.8.0
adal==1.2.7
adlfs==2026.8.0
aenum==3.1.17
agate==1.9.1
aiofiles==25.1.0
aiohappyeyeballs==2.7.1
aiohttp-cors==0.8.1
aiohttp==3.14.5
aiosignal==1.4.0
aiosmtplib==5.1.3
aiosqlite==0.22.1
airflow-dbt-python==3.6.2
airflow-dbt==0.4.0
alembic==1.20.1
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
apache-airflow-core==3.3.2
apache-airflow-providers-amazon==9.39.0
apache-airflow-providers-cncf-kubernetes==10.25.0
apache-airflow-providers-common-compat==1.23.0
apache-airflow-providers-common-io==1.11.0
apache-airflow-providers-common-sql==2.4.0
apache-airflow-providers-dbt-cloud==4.11.1
apache-airflow-providers-docker==4.6.1
apache-airflow-providers-google==22.8.0
apache-airflow-providers-http==6.3.0
apache-airflow-providers-microsoft-azure==15.2.1
apache-airflow-providers-smtp==3.2.0
apache-airflow-providers-standard==1.21.0
apache-airflow-task-sdk==1.3.2
apache-airflow==3.3.2
argcomplete==3.7.2
arrow==1.4.0
asgiref==3.13.0
asn1crypto==1.5.1
astronomer-cosmos==1.15.1
attrs==26.1.0
authlib==1.9.9
azure-ai-projects==2.4.0
azure-batch==15.1.0
azure-common==1.1.28
azure-core==1.41.0
azure-cosmos==4.17.1
azure-datalake-store==1.0.1
azure-identity==1.27.0
azure-keyvault-secrets==4.12.0
azure-kusto-data==6.0.4
azure-mgmt-compute==39.0.0
azure-mgmt-containerinstance==10.1.0
azure-mgmt-containerregistry==15.0.0
azure-mgmt-core==1.6.0
azure-mgmt-cosmosdb==10.0.0
azure-mgmt-datafactory==10.0.0
azure-mgmt-datalake-nspkg==3.0.1
azure-mgmt-datalake-store==0.5.0
azure-mgmt-nspkg==3.0.2
azure-mgmt-resource==26.0.0
azure-mgmt-storage==25.3.0
azure-nspkg==3.0.2
azure-servicebus==7.15.0
azure-storage-blob==12.31.1
azure-storage-file-datalake==12.26.1
azure-storage-file-share==12.27.1
azure-synapse-artifacts==0.22.0
azure-synapse-spark==0.7.0
babel==2.18.0
beautifulsoup4==4.15.0
boto3==1.44.5
botocore==1.44.5
cachetools==8.0.1
cadwyn==7.0.0
cattrs==26.2.1
certifi==2026.10.18
cffi==2.1.1
chardet==7.7.0
charset-normalizer==3.5.2
click==8.5.1
cloudpickle==3.1.2
colorama==0.4.6
colorful==0.5.8
colorlog==6.12.0
cron-descriptor==2.2.1
croniter==7.0.0
cryptography==50.0.2
daff==1.4.2
dag-factory==1.1.0
db-dtypes==1.9.0
dbt-adapters==1.24.5
dbt-common==1.39.0
dbt-core==1.11.16
dbt-duckdb==1.11.1
dbt-extractor==0.6.0
dbt-protos==1.0.615
dbt-semantic-interfaces==0.9.0
decorator==5.3.1
deepdiff==8.6.2
deprecated==1.3.1
deprecation==2.1.0
dill==0.4.1
distlib==0.4.4
distro==1.9.0
dnspython==2.9.2
docker==7.2.0
docstring-parser==0.18.0
duckdb==2.0.0
durationpy==0.11
email-validator==2.4.0
fastapi-cli==0.0.34
fastapi==0.136.3
fastjsonschema==2.22.3
fastuuid==0.14.0
filelock==4.2.12
frozenlist==1.8.0
fsspec==2026.9.0
gcloud-aio-auth==5.5.1
gcloud-aio-bigquery==7.2.0
gcloud-aio-storage==9.6.5
gcsfs==2026.10.1
google-ads==34.0.0
google-analytics-admin==0.30.2
google-api-core==2.44.0
google-api-python-client==2.202.0
google-auth-httplib2==0.4.4
google-auth-oauthlib==1.5.0
google-auth==2.62.2
google-cloud-aiplatform==2.7.0
google-cloud-alloydb==0.11.4
google-cloud-appengine-logging==1.11.0
google-cloud-audit-log==0.6.3
google-cloud-automl==2.21.0
google-cloud-batch==0.22.4
google-cloud-bigquery-datatransfer==3.24.0
google-cloud-bigquery-storage==2.43.0
google-cloud-bigquery==3.47.0
google-cloud-bigtable==2.50.2
google-cloud-build==3.43.0
google-cloud-compute==1.57.0
google-cloud-container==2.67.0
google-cloud-core==2.8.0
google-cloud-datacatalog==3.32.0
google-cloud-dataflow-client==0.14.1
google-cloud-dataform==0.11.4
google-cloud-dataplex==2.21.0
google-cloud-dataproc-metastore==1.24.0
google-cloud-dataproc==5.32.0
google-cloud-dlp==3.40.0
google-cloud-kms==3.18.0
google-cloud-language==2.22.0
google-cloud-logging==3.17.0
google-cloud-managedkafka==0.4.2
google-cloud-memcache==1.17.0
google-cloud-monitoring==2.32.0
google-cloud-orchestration-airflow==1.23.0
google-cloud-os-login==2.23.0
google-cloud-pubsub==2.44.0
google-cloud-redis==2.23.0
google-cloud-resource-manager==1.19.0
google-cloud-run==0.16.2
google-cloud-secret-manager==2.32.0
google-cloud-spanner==3.71.0
google-cloud-speech==2.41.0
google-cloud-storage-control==1.17.0
google-cloud-storage-transfer==1.22.0
google-cloud-storage==3.17.1
google-cloud-tasks==2.26.0
google-cloud-texttospeech==2.38.0
google-cloud-translate==3.28.0
google-cloud-videointelligence==2.21.0
google-cloud-vision==3.16.0
google-cloud-workflows==1.24.0
google-crc32c==1.9.0
google-genai==2.34.0
google-resumable-media==2.11.0
googleapis-common-protos==1.76.0
greenback==1.3.0
greenlet==3.5.6
grpc-google-iam-v1==0.14.6
grpc-interceptor==0.15.4
grpcio-gcp==0.2.2
grpcio-status==1.85.1
grpcio==1.85.1
gusty==0.23.1
h11==0.16.0
h2==4.4.1
hf-xet==1.8.0
hpack==4.2.0
httpcore2==2.16.2
httpcore==1.0.9
httplib2==0.32.1
httptools==0.9.0
httpx2==2.16.2
httpx==0.28.1
huggingface-hub==2.4.0
hyperframe==6.1.0
idna==3.20
ijson==3.4.0.post0
immutabledict==4.3.1
importlib-metadata==8.9.0
inflection==0.5.1
isodate==0.7.2
isoduration==20.11.0
itsdangerous==2.2.0
jinja2==3.1.6
jiter==0.19.0
jmespath==1.1.0
joblib==1.6.0
joserfc==1.8.0
jsonpath-ng==1.16.0
jsonschema-specifications==2025.9.1
jsonschema==4.26.0
jupyter-core==5.9.1
jupytext==1.19.7
kubernetes-asyncio==36.1.0
kubernetes==36.0.3
lazy-object-proxy==1.13.0
leather==0.4.1
libcst==1.9.0
linkify-it-py==2.2.0
litellm==1.96.2
lockfile==0.12.2
looker-sdk==26.22.0
lxml==6.1.3
mako==1.4.3
markdown-it-py==4.3.0
markupsafe==3.0.4
marshmallow==4.4.0
mashumaro==3.14
mdit-py-plugins==0.7.0
mdurl==0.1.2
methodtools==0.4.7
microsoft-kiota-abstractions==1.16.0
microsoft-kiota-authentication-azure==1.16.0
microsoft-kiota-http==1.12.3
microsoft-kiota-serialization-json==1.16.0
microsoft-kiota-serialization-text==1.16.0
mmh3==5.3.1
more-itertools==10.8.0
msal-extensions==1.3.1
msal==1.39.0
msgpack==1.2.4
msgraph-core==1.5.1
msgraphfs==0.5
msgspec==0.22.0
msrest==0.7.1
msrestazure==0.6.4.post1
multidict==7.2.1
narwhals==2.29.0
natsort==8.4.0
nbformat==5.11.1
networkx==3.6.1
numpy==2.4.6
oauthlib==4.0.1
openai==2.54.0
opencensus-context==0.1.3
opencensus==0.11.4
openlineage-integration-common==1.54.0
openlineage-python==1.54.0
openlineage-sql==1.54.0
opentelemetry-api==1.45.2
opentelemetry-exporter-http-transport==0.66b2
opentelemetry-exporter-otlp-common==0.66b2
opentelemetry-exporter-otlp-proto-common==1.45.2
opentelemetry-exporter-otlp-proto-grpc==1.45.2
opentelemetry-exporter-otlp-proto-http==1.45.2
opentelemetry-exporter-otlp==1.45.2
opentelemetry-exporter-prometheus==0.66b2
opentelemetry-proto==1.45.2
opentelemetry-resourcedetector-gcp==1.14.0
opentelemetry-sdk==1.45.2
opentelemetry-semantic-conventions==0.66b2
orderly-set==5.5.0
outcome==1.3.0.post0
packaging==26.3
pandas-gbq==0.35.3
pandas==3.1.1
parsedatetime==2.6
pathlib-abc==0.5.2
pathspec==0.12.1
pendulum==3.3.0
platformdirs==4.14.7
pluggy==1.7.0
prometheus-client==0.26.0
propcache==0.5.4
proto-plus==1.29.0
protobuf==6.33.6
psutil==7.2.2
py-spy==0.4.3
pyarrow==26.0.1
pyasn1-modules==0.4.2
pyasn1==0.6.5
pyathena==4.2.1
pycparser==3.12
pydantic-core==2.50.4
pydantic-extra-types==2.11.1
pydantic-settings==2.16.3
pydantic==2.14.3
pydata-google-auth==1.9.1
pygments==2.21.0
pygtrie==2.6.2
pyjwt==2.15.1
pyparsing==3.3.3
python-daemon==3.1.2
python-dateutil==2.9.0.post0
python-discovery==1.9.5
python-dotenv==1.2.4
python-multipart==0.0.34
python-slugify==9.2.0
pytimeparse==1.1.10
pytz==2026.6
pyyaml==6.0.3
ray==2.60.0
redshift-connector==2.2.0
referencing==0.37.0
regex==2026.11.15
requests-oauthlib==2.0.0
requests-toolbelt==1.0.0
requests==2.34.2
rich-argparse==1.8.0
rich-toolkit==0.20.6
rich==15.0.0
rpds-py==2026.9.1
ruamel-yaml==0.19.1
s3transfer==0.19.3
sagemaker-studio==1.0.27
scikit-learn==1.9.1
scipy==1.17.1
scramp==1.4.18
setproctitle==1.3.8
setuptools==84.2.1
shellingham==1.5.4
six==1.17.0
smart-open==9.0.2
sniffio==1.3.1
snowplow-tracker==1.1.0
soupsieve==2.10
sqlalchemy-bigquery==1.17.3
sqlalchemy-spanner==1.20.1
sqlalchemy==2.1.9
sqlglot==30.31.0
sqlparse==0.6.1
starlette==1.10.0
std-uritemplate==2.0.12
structlog==26.1.0
svcs==26.2.0
tabulate==0.10.0
tenacity==9.1.4
termcolor==3.3.0
text-unidecode==1.3
threadpoolctl==3.8.0
tiktoken==0.14.0
tokenizers==0.23.3
tqdm==4.70.1
traitlets==5.16.1
truststore==0.10.5
typer==0.29.2
types-protobuf==7.35.1.20260906
typing-extensions==4.16.0
typing-inspection==0.4.5
tzdata==2026.6
universal-pathlib==0.3.10
uritemplate==4.2.0
urllib3==2.8.0
uuid6==2025.0.1
uvicorn==0.54.0
uvloop==0.23.0
virtualenv==21.15.8
watchfiles==1.3.0
watchtower==3.4.0
websocket-client==1.9.2
websockets==17.4
wirerope==1.0.0
wrapt==2.5.2
yarl==1.25.1
zipp==4.1.2
"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/tests/fixtures/airflow"
ORACLE="$ROOT/tests/oracle/dagbag"
HELPER="$ROOT/scripts/dagbag_record.py"
PYTHON="${PYTHON:-python3}"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

requirements_for() { if [[ "$1" == 3 ]]; then printf '%s' "$REQUIREMENTS_AIRFLOW3"; else printf '%s' "$REQUIREMENTS_AIRFLOW2"; fi; }
constraints_for() { if [[ "$1" == 3 ]]; then printf '%s' "$CONSTRAINTS_AIRFLOW3"; else printf '%s' "$CONSTRAINTS_AIRFLOW2"; fi; }

check_python() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$PYTHON is $("$PYTHON" --version 2>&1); the pins here are for Python 3.11 (set PYTHON=...)"
}

# Create or refresh .venv-airflowN/ from the pins; print its path.
ensure_venv() {
  local major="$1" venv="$ROOT/.venv-airflow$1" stamp reqs
  stamp="$venv/.pins"
  reqs="$(requirements_for "$major")$(constraints_for "$major")"
  # The venv is reused while it was installed from exactly these requirements and pins.
  if [[ -x "$venv/bin/airflow" && -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$reqs" ]]; then
    printf '%s\n' "$venv"
    return
  fi
  check_python
  if [[ ! -x "$venv/bin/python" ]]; then
    log "Creating ${venv#"$ROOT"/}"
    "$PYTHON" -m venv "$venv" || die "could not create a venv (on Debian/Ubuntu: apt-get install python3-venv)"
  fi
  log "Installing Airflow $major and the dbt integrations into ${venv#"$ROOT"/} (5 to 12 minutes)"
  requirements_for "$major" | grep -v '^$' > "$venv/requirements.txt"
  constraints_for "$major" | grep -v '^$' > "$venv/constraints.txt"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --constraint "$venv/constraints.txt" --requirement "$venv/requirements.txt" >&2
  printf '%s' "$reqs" > "$stamp"
  printf '%s\n' "$venv"
}

# --resolve N: install REQUIREMENTS_AIRFLOWN without pins into a scratch venv and print the
# resolved closure, to paste over CONSTRAINTS_AIRFLOWN when bumping a version.
resolve() {
  local major="$1" tmp
  [[ "$major" == 2 || "$major" == 3 ]] || die "--resolve takes 2 or 3"
  check_python
  tmp="$(mktemp -d)"
  WORK="$tmp"
  trap 'rm -rf "$WORK"' EXIT
  "$PYTHON" -m venv "$tmp/venv"
  requirements_for "$major" | grep -v '^$' > "$tmp/requirements.txt"
  log "Resolving Airflow $major requirements (this installs them into a scratch venv)"
  "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$tmp/requirements.txt" >&2
  "$tmp/venv/bin/python" -m pip freeze --all --disable-pip-version-check \
    | grep -v '^pip==' | LC_ALL=C sort -f
}

# The environment one folder is recorded in: nothing from the caller's Airflow, dbt or Python
# settings, a temporary AIRFLOW_HOME, and the folder as Airflow's DAGs folder.
record_folder() {
  local name="$1" venv="$2" home="$3" folder="$FIXTURES/$1" var
  [[ -d "$folder" ]] || die "$folder: no such folder"
  mkdir -p "$home" "$ORACLE"
  (
    while IFS= read -r var; do
      unset "$var"
    done < <(compgen -e | grep -E '^(AIRFLOW|DBT_|PYTHON)' || true)
    export PATH="$venv/bin:/usr/local/bin:/usr/bin:/bin"
    export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 TZ=UTC LC_ALL=C.UTF-8
    export AIRFLOW_HOME="$home"
    export AIRFLOW__CORE__DAGS_FOLDER="$folder"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT=600
    export AIRFLOW__CORE__DEFAULT_TIMEZONE=utc
    export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$home/logs"
    export AIRFLOW__COSMOS__ENABLE_CACHE=False
    export AIRFLOW__COSMOS__CACHE_DIR="$home/cosmos"
    export AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
    export DO_NOT_TRACK=1 SCARF_ANALYTICS=false
    export DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_NO_VERSION_CHECK=true
    export DBT_EXECUTABLE_PATH="$venv/bin/dbt"
    cd "$ROOT"
    "$venv/bin/python" "$HELPER" \
      --root "$ROOT" \
      --folder "tests/fixtures/airflow/$name" \
      --out "$ORACLE/$name.json" \
      2> "$home/stderr.log"
  ) || {
    log "error: recording $name failed; the last lines Airflow logged:"
    tail -n 40 "$home/stderr.log" >&2
    return 1
  }
}

# Lays out DEPLOYMENT_PATHS as symlinks to the fixture project; records what to undo in
# $WORK/undo (one path per line, deepest first).
deploy_fixture_project() {
  local path parent missing
  : > "$WORK/undo"
  for path in "${DEPLOYMENT_PATHS[@]}"; do
    [[ -e "$path" || -L "$path" ]] && die "$path exists: the recording needs it free for the fixture dbt project"
    # The folders to create, outermost first, so they can be removed innermost first.
    missing=()
    parent="$(dirname "$path")"
    while [[ ! -d "$parent" ]]; do
      missing=("$parent" "${missing[@]}")
      parent="$(dirname "$parent")"
    done
    for parent in "${missing[@]}"; do
      mkdir "$parent" || die "cannot create $parent"
    done
    ln -s "$FIXTURES/dbt" "$path" || die "cannot create $path"
    { printf '%s\n' "$path"; for ((i = ${#missing[@]} - 1; i >= 0; i--)); do printf '%s\n' "${missing[i]}"; done; } \
      | cat - "$WORK/undo" > "$WORK/undo.new" && mv "$WORK/undo.new" "$WORK/undo"
  done
}

# Removes what deploy_fixture_project made: the symlinks, then the folders made for them.
undeploy_fixture_project() {
  local path
  [[ -f "${WORK:-}/undo" ]] || return 0
  while IFS= read -r path; do
    if [[ -L "$path" ]]; then rm -f "$path"; else rmdir "$path" 2>/dev/null || true; fi
  done < "$WORK/undo"
}

main() {
  if [[ "${1:-}" == "--resolve" ]]; then
    resolve "${2:-}"
    return
  fi

  local selected=("$@") name major venv start=$SECONDS
  ((${#selected[@]} > 0)) || selected=("${FOLDERS[@]}")
  [[ -f "$FIXTURES/dbt/target/manifest.json" ]] \
    || die "tests/fixtures/airflow/dbt/target/manifest.json is missing: run scripts/regen-manifests.sh tests/fixtures/airflow/dbt"

  WORK="$(mktemp -d)"
  trap 'undeploy_fixture_project; rm -rf "$WORK"' EXIT
  deploy_fixture_project

  for name in "${selected[@]}"; do
    major="$(airflow_major_for "$name")"
    venv="$(ensure_venv "$major")"
    record_folder "$name" "$venv" "$WORK/$name"
  done
  log "Recorded ${#selected[@]} folder(s) in $((SECONDS - start))s"
}

main "$@"
