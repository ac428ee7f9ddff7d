use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use o2c_api::settings::Settings;
use o2c_domain::clock::SystemClock;
use o2c_files::StatementFiles;
use o2c_messaging::statement_chunks::SqsChunks;
use o2c_fn_reconciliation::{Config, Reconciliation};
use o2c_store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = Config::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), settings.table_name.clone());
    store.warm().await;
    let files = StatementFiles::new(&aws, config.bucket, std::env::var("O2C_S3_PATH_STYLE").is_ok_and(|v| v == "1"));
    let queue = SqsChunks { client: aws_sdk_sqs::Client::new(&aws), queue_url: config.queue_url };
    let handler = &Reconciliation::new(store, files, queue, Arc::new(SystemClock), settings.company_time_zone);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move { Ok::<_, Error>(handler.handle(event.payload).await) })).await
}
