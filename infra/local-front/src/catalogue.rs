//! Every Lambda handler of o2c, linked in-process, by the logical id the
//! template gives its function. A function in the template but not here
//! (or the other way round) fails `tests/template_parity.rs`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use o2c_api::settings::Settings;
use o2c_domain::clock::SystemClock;
use o2c_files::StatementFiles;
use o2c_messaging::statement_chunks::SqsChunks;
use o2c_messaging::Publisher;
use o2c_store::DynamoStore;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub type ApiFn = Arc<dyn Fn(ApiGatewayV2httpRequest) -> BoxFuture<ApiGatewayV2httpResponse> + Send + Sync>;
pub type StreamFn = Arc<dyn Fn(DynamoDbEvent) -> BoxFuture<DynamoDbEventResponse> + Send + Sync>;
pub type EventFn = Arc<dyn Fn(aws_lambda_events::event::eventbridge::EventBridgeEvent<serde_json::Value>) -> BoxFuture<Result<(), String>> + Send + Sync>;
pub type QueueFn = Arc<dyn Fn(aws_lambda_events::event::sqs::SqsEvent) -> BoxFuture<aws_lambda_events::event::sqs::SqsBatchResponse> + Send + Sync>;

/// What kind of events a function takes, and for API functions the routes
/// its handler serves (`"POST /v1/invoices"`).
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Api { routes: &'static [&'static str] },
    DynamoDbStream,
    Sqs,
    EventRule,
}

pub struct Entry {
    pub logical_id: &'static str,
    pub kind: Kind,
}

pub const CATALOGUE: &[Entry] = &[
    Entry { logical_id: "CustomersApiFunction", kind: Kind::Api { routes: o2c_fn_customers_api::ROUTES } },
    Entry { logical_id: "InvoicesApiFunction", kind: Kind::Api { routes: o2c_fn_invoices_api::ROUTES } },
    Entry { logical_id: "PaymentsApiFunction", kind: Kind::Api { routes: o2c_fn_payments_api::ROUTES } },
    Entry { logical_id: "StripeWebhookFunction", kind: Kind::Api { routes: o2c_fn_stripe_webhook::ROUTES } },
    Entry { logical_id: "OutboxRelayFunction", kind: Kind::DynamoDbStream },
    Entry { logical_id: "InvoiceDeliveryFunction", kind: Kind::Sqs },
    Entry { logical_id: "MailFeedbackFunction", kind: Kind::EventRule },
    Entry { logical_id: "RemindersFunction", kind: Kind::Sqs },
    Entry { logical_id: "BankStatementsApiFunction", kind: Kind::Api { routes: o2c_fn_bank_statements_api::ROUTES } },
    Entry { logical_id: "ReconciliationFunction", kind: Kind::Sqs },
];

#[derive(Clone)]
pub enum Handler {
    Api(ApiFn),
    Stream(StreamFn),
    Queue(QueueFn),
    Event(EventFn),
}

/// Wires each handler with the same adapters its `main.rs` uses (the
/// webhook reads its secret from the emulated SSM, as deployed). `env` is
/// the functions' resolved environment, for what [`Settings`] does not
/// carry (the statements bucket and queue).
pub async fn build(aws: &aws_config::SdkConfig, settings: &Settings, env: &BTreeMap<String, String>) -> BTreeMap<&'static str, Handler> {
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(aws), settings.table_name.clone());
    let var = |name: &str| env.get(name).cloned().unwrap_or_else(|| panic!("local functions: the template sets no {name}"));
    let statement_files = || StatementFiles::new(aws, var("O2C_STATEMENTS_BUCKET"), env.get("O2C_S3_PATH_STYLE").is_some_and(|v| v == "1"));
    let statement_chunks = || SqsChunks { client: aws_sdk_sqs::Client::new(aws), queue_url: var("O2C_STATEMENT_QUEUE_URL") };
    let mut out = BTreeMap::new();
    for entry in CATALOGUE {
        let handler = match entry.logical_id {
            "CustomersApiFunction" => {
                let h = Arc::new(o2c_fn_customers_api::Handler::new(store.clone(), settings.clone(), Arc::new(SystemClock)));
                Handler::Api(Arc::new(move |e| {
                    let h = h.clone();
                    Box::pin(async move { h.handle(e).await })
                }))
            }
            "InvoicesApiFunction" => {
                let h = Arc::new(o2c_fn_invoices_api::Handler::new(store.clone(), settings.clone(), Arc::new(SystemClock)));
                Handler::Api(Arc::new(move |e| {
                    let h = h.clone();
                    Box::pin(async move { h.handle(e).await })
                }))
            }
            "PaymentsApiFunction" => {
                let h = Arc::new(o2c_fn_payments_api::Handler::new(store.clone(), settings.clone(), Arc::new(SystemClock)));
                Handler::Api(Arc::new(move |e| {
                    let h = h.clone();
                    Box::pin(async move { h.handle(e).await })
                }))
            }
            "StripeWebhookFunction" => {
                let webhook = o2c_fn_stripe_webhook::config::load(&aws_sdk_ssm::Client::new(aws)).await;
                let h = Arc::new(o2c_fn_stripe_webhook::Handler::new(store.clone(), settings.clone(), webhook, Arc::new(SystemClock)));
                Handler::Api(Arc::new(move |e| {
                    let h = h.clone();
                    Box::pin(async move { h.handle(e).await })
                }))
            }
            "OutboxRelayFunction" => {
                let relay = Arc::new(o2c_fn_outbox_relay::Relay::new(Publisher {
                    sqs: aws_sdk_sqs::Client::new(aws),
                    events: aws_sdk_eventbridge::Client::new(aws),
                    event_bus_name: settings.event_bus_name.clone(),
                    delivery_queue_url: settings.delivery_queue_url.clone(),
                    reminder_queue_url: settings.reminder_queue_url.clone(),
                }));
                Handler::Stream(Arc::new(move |e| {
                    let r = relay.clone();
                    Box::pin(async move { r.handle(e).await })
                }))
            }
            "InvoiceDeliveryFunction" => {
                let branding = o2c_documents::Branding::from_env().unwrap_or_else(|e| panic!("local branding: {e}"));
                let mailer = o2c_messaging::mailer::SesMailer { client: aws_sdk_sesv2::Client::new(aws), configuration_set: None };
                let d = Arc::new(o2c_fn_invoice_delivery::Delivery::new(store.clone(), mailer, branding, Arc::new(SystemClock)));
                Handler::Queue(Arc::new(move |e| {
                    let d = d.clone();
                    Box::pin(async move { d.handle(e).await })
                }))
            }
            "MailFeedbackFunction" => {
                let f = Arc::new(o2c_fn_mail_feedback::Feedback::new(store.clone()));
                Handler::Event(Arc::new(move |e| {
                    let f = f.clone();
                    Box::pin(async move { f.handle(e).await.map_err(|e| e.to_string()) })
                }))
            }
            "RemindersFunction" => {
                let config = o2c_fn_reminders::schedules::SchedulerConfig::from_env().unwrap_or_else(|e| panic!("local reminders: {e}"));
                let schedules = o2c_fn_reminders::schedules::SchedulerSchedules { client: aws_sdk_scheduler::Client::new(aws), config };
                let batches = o2c_fn_reminders::batches::SqsBatches { client: aws_sdk_sqs::Client::new(aws), queue_url: settings.reminder_queue_url.clone() };
                let r = Arc::new(o2c_fn_reminders::Reminders::new(store.clone(), schedules, batches, settings.holidays.clone(), settings.company_time_zone));
                Handler::Queue(Arc::new(move |e| {
                    let r = r.clone();
                    Box::pin(async move { r.handle(e).await })
                }))
            }
            "BankStatementsApiFunction" => {
                let h = Arc::new(o2c_fn_bank_statements_api::Handler::new(store.clone(), statement_files(), statement_chunks(), settings.clone(), Arc::new(SystemClock)));
                Handler::Api(Arc::new(move |e| {
                    let h = h.clone();
                    Box::pin(async move { h.handle(e).await })
                }))
            }
            "ReconciliationFunction" => {
                let r = Arc::new(o2c_fn_reconciliation::Reconciliation::new(store.clone(), statement_files(), statement_chunks(), Arc::new(SystemClock), settings.company_time_zone));
                Handler::Queue(Arc::new(move |e| {
                    let r = r.clone();
                    Box::pin(async move { r.handle(e).await })
                }))
            }
            other => unreachable!("catalogue entry {other} has no wiring"),
        };
        out.insert(entry.logical_id, handler);
    }
    out
}

