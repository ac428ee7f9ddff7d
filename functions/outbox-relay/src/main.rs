use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use o2c_api::settings::Settings;
use o2c_fn_outbox_relay::Relay;
use o2c_messaging::Publisher;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let relay = &Relay::new(Publisher {
        sqs: aws_sdk_sqs::Client::new(&aws),
        events: aws_sdk_eventbridge::Client::new(&aws),
        event_bus_name: settings.event_bus_name,
        delivery_queue_url: settings.delivery_queue_url,
        reminder_queue_url: settings.reminder_queue_url,
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move { Ok::<_, Error>(relay.handle(event.payload).await) })).await
}
