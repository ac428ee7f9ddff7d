use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use o2c_api::settings::Settings;
use o2c_fn_reminders::batches::SqsBatches;
use o2c_fn_reminders::schedules::{SchedulerConfig, SchedulerSchedules};
use o2c_fn_reminders::Reminders;
use o2c_store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = SchedulerConfig::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), settings.table_name.clone());
    let schedules = SchedulerSchedules { client: aws_sdk_scheduler::Client::new(&aws), config };
    let batches = SqsBatches { client: aws_sdk_sqs::Client::new(&aws), queue_url: settings.reminder_queue_url.clone() };
    let reminders = &Reminders::new(store, schedules, batches, settings.holidays.clone(), settings.company_time_zone);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move { Ok::<_, Error>(reminders.handle(event.payload).await) })).await
}
