//! `o2c-local`: the whole o2c system on one machine, in front of DynamoDB
//! Local and moto. Started by `make dev` / `make test` (infra/local/stack.sh).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use o2c_api::auth::hash_key;
use o2c_domain::api_key::Scope;
use o2c_domain::ports::{ApiKeyAdmin, ApiKeyRead, StoreError};
use o2c_store::DynamoStore;
use o2c_api::settings::Settings;
use o2c_local_front::catalogue::{self, Handler};
use o2c_local_front::clock::ScheduleClock;
use o2c_local_front::gateway::Front;
use o2c_local_front::resources;
use o2c_local_front::queues::{queue_arn, QueueMapping};
use o2c_local_front::streams::{Activity, StreamMapping};
use o2c_local_front::template::{EventSource, Template};
use o2c_local_front::time_travel::{self, TimeTravel};

/// Queues whose work no schedule causes: time travel does not wait for them.
const UNSCHEDULED_QUEUES: &[&str] = &["StatementQueue"];

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())).init();
    // Point the SDK at the emulators through the standard variables, so
    // handler code stays free of endpoint logic. Done before any thread
    // exists.
    let ddb_port = env_or("O2C_DYNAMODB_PORT", "8000");
    let moto_port = env_or("O2C_MOTO_PORT", "5000");
    for (k, v) in [
        ("AWS_ENDPOINT_URL_DYNAMODB", format!("http://127.0.0.1:{ddb_port}")),
        ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", format!("http://127.0.0.1:{ddb_port}")),
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{moto_port}")),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("STRIPE_WEBHOOK_SECRET_PARAMETER", LOCAL_WEBHOOK_SECRET_PARAMETER.into()),
        ("STRIPE_MODE", "test".into()),
    ] {
        if std::env::var(k).is_err() {
            std::env::set_var(k, v);
        }
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

/// Where the local webhook secret lives in the emulated SSM. Deployed
/// stacks name theirs with the `StripeWebhookSecretParameter` parameter.
const LOCAL_WEBHOOK_SECRET_PARAMETER: &str = "/o2c/local/stripe-webhook-secret";

/// Puts the webhook secret where a deployed function reads it (an SSM
/// SecureString), so the local webhook runs the deployed code path.
async fn store_webhook_secret(aws: &aws_config::SdkConfig, secret: &str) -> Result<(), Box<dyn std::error::Error>> {
    aws_sdk_ssm::Client::new(aws)
        .put_parameter()
        .name(LOCAL_WEBHOOK_SECRET_PARAMETER)
        .value(secret)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| format!("storing the local webhook secret in SSM: {}", aws_sdk_ssm::error::DisplayErrorContext(&e)))?;
    Ok(())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env_or("O2C_REPO_ROOT", env!("CARGO_MANIFEST_DIR").trim_end_matches("/infra/local-front")));
    let template = Template::load(&root.join("template.yaml"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;

    let from_email = env_or("O2C_FROM_EMAIL", "billing@example.com");
    // The delivery function reads its branding from the environment, as
    // deployed; the local process is its environment.
    std::env::set_var("O2C_FROM_EMAIL", &from_email);
    let local = resources::create_all(&aws, &template, &from_email).await?;

    let dev_key = env_or("O2C_DEV_API_KEY", "sk_local_dev");
    let mut overrides = BTreeMap::new();
    overrides.insert("O2C_COMPANY_TIME_ZONE".to_owned(), env_or("O2C_COMPANY_TIME_ZONE", "UTC"));
    overrides.insert("O2C_FROM_EMAIL".to_owned(), from_email);
    // moto serves buckets by path, not as subdomains of 127.0.0.1.
    overrides.insert("O2C_S3_PATH_STYLE".to_owned(), "1".to_owned());
    for k in ["O2C_HOLIDAYS", "O2C_COMPANY_COUNTRY"] {
        if let Ok(v) = std::env::var(k) {
            overrides.insert(k.to_owned(), v);
        }
    }
    let env = resources::resolve_environment(&template, &local, &overrides);
    // The reminders function reads its Scheduler settings from the
    // environment, as deployed.
    for (k, v) in env.iter().filter(|(k, _)| k.starts_with("O2C_REMINDER_")) {
        std::env::set_var(k, v);
    }
    // A scheduled rule the local front cannot fire stops it here, not at the first travel.
    let scheduled_rules = time_travel::rules_from_template(&template, &local)?;
    let get = |k: &str| env.get(k).cloned().ok_or_else(|| format!("template sets no {k}"));
    let settings = Settings {
        table_name: get("O2C_TABLE_NAME")?,
        event_bus_name: get("O2C_EVENT_BUS_NAME")?,
        delivery_queue_url: get("O2C_DELIVERY_QUEUE_URL")?,
        company_time_zone: o2c_domain::customer::TimeZone::parse(&get("O2C_COMPANY_TIME_ZONE")?).map_err(|e| e.to_string())?,
        reminder_queue_url: get("O2C_REMINDER_QUEUE_URL")?,
        holidays: std::sync::Arc::new(
            o2c_domain::holidays::Holidays::parse(&env.get("O2C_HOLIDAYS").cloned().unwrap_or_default(), &env.get("O2C_COMPANY_COUNTRY").cloned().unwrap_or_default()).map_err(|e| e.to_string())?,
        ),
    };
    seed_dev_key(&DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), settings.table_name.clone()), &dev_key).await?;
    store_webhook_secret(&aws, &env_or("STRIPE_WEBHOOK_SECRET", "whsec_local_dev")).await?;
    let handlers = catalogue::build(&aws, &settings, &env).await;

    let mut activity = Activity::default();
    let mut consumed_queue_urls = Vec::new();
    for f in template.functions.values() {
        for e in &f.events {
            match e {
                EventSource::HttpApi { .. } => {}
                EventSource::DynamoDbStream(source) => {
                    let Some(Handler::Stream(handler)) = handlers.get(f.logical_id.as_str()) else {
                        return Err(format!("{} takes a stream but has no stream handler", f.logical_id).into());
                    };
                    let mapping = StreamMapping {
                        source: source.clone(),
                        table_name: local.table_names.get(&source.table).cloned().ok_or_else(|| format!("no table {}", source.table))?,
                        handler: handler.clone(),
                        on_failure_queue_url: source.on_failure_queue.as_ref().and_then(|q| local.queue_urls.get(q)).cloned(),
                        streams: aws_sdk_dynamodbstreams::Client::new(&aws),
                        ddb: aws_sdk_dynamodb::Client::new(&aws),
                        sqs: aws_sdk_sqs::Client::new(&aws),
                        idle_rounds: activity.track(),
                        positions: Default::default(),
                    };
                    tokio::spawn(mapping.run());
                }
                EventSource::Sqs(source) => {
                    let Some(Handler::Queue(handler)) = handlers.get(f.logical_id.as_str()) else {
                        return Err(format!("{} takes SQS messages but has no queue handler", f.logical_id).into());
                    };
                    let sqs = aws_sdk_sqs::Client::new(&aws);
                    let queue_url = local.queue_urls.get(&source.queue).cloned().ok_or_else(|| format!("no queue {}", source.queue))?;
                    consumed_queue_urls.push(queue_url.clone());
                    // Time travel waits for the work schedules cause; bank
                    // statements are nobody's schedule, and a large one
                    // settling must not hold a travel past its client's timeout.
                    let idle_rounds = if UNSCHEDULED_QUEUES.contains(&source.queue.as_str()) { Default::default() } else { activity.track() };
                    let mapping = QueueMapping {
                        source: source.clone(),
                        queue_arn: queue_arn(&sqs, &queue_url).await,
                        queue_url,
                        handler: handler.clone(),
                        sqs,
                        idle_rounds,
                    };
                    tokio::spawn(mapping.run());
                }
                EventSource::EventRule { name, pattern } => {
                    let Some(Handler::Event(handler)) = handlers.get(f.logical_id.as_str()) else {
                        return Err(format!("{} takes EventBridge events but has no event handler", f.logical_id).into());
                    };
                    let rule = format!("{}-{name}", f.logical_id);
                    let queue_url = o2c_local_front::rules::create_rule(&aws, &rule, pattern).await?;
                    let mapping = o2c_local_front::rules::RuleMapping { name: rule, queue_url, handler: handler.clone(), sqs: aws_sdk_sqs::Client::new(&aws), idle_rounds: activity.track() };
                    tokio::spawn(mapping.run());
                }
                EventSource::Other { name, kind } => {
                    return Err(format!("{}: event {name} of type {kind} is not emulated by the local front", f.logical_id).into());
                }
            }
        }
    }

    let ddb = aws_sdk_dynamodb::Client::new(&aws);
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let health: Arc<dyn Fn() -> catalogue::BoxFuture<bool> + Send + Sync> = Arc::new(move || {
        let (ddb, sqs) = (ddb.clone(), sqs.clone());
        Box::pin(async move { ddb.list_tables().limit(1).send().await.is_ok() && sqs.list_queues().send().await.is_ok() })
    });
    let travel = Arc::new(TimeTravel::new(&aws, Arc::new(ScheduleClock::default()), Arc::new(activity), scheduled_rules, consumed_queue_urls, local.region.clone()));
    let front = Arc::new(Front::new(&template.http_routes(), &handlers, travel, health)?);

    let port = env_or("O2C_PORT", "3000");
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!(port = port.as_str(), table = settings.table_name.as_str(), "o2c local stack serving");
    loop {
        let (stream, _) = listener.accept().await?;
        let front = front.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| front.clone().handle(req));
            if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
}

/// The local stack's all-scopes key, stored like any other key (by hash).
async fn seed_dev_key(store: &DynamoStore, secret: &str) -> Result<(), Box<dyn std::error::Error>> {
    let hash = hash_key(secret);
    if store.api_key(hash).await?.is_some() {
        return Ok(());
    }
    let key = o2c_api::keys::known_api_key("local dev key", Scope::ALL.to_vec(), chrono::Utc::now())?;
    match store.create_api_key(hash, &key).await {
        Ok(()) | Err(StoreError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
