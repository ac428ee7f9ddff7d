//! The reconciliation function: consumes the statement queue.
//!
//! - A file landed (S3's notification): read it whole, register each of its
//!   statements (a statement seen before keeps its id and is not fanned out
//!   again once reconciled), and send one message per chunk of entries.
//! - A chunk: read the file again, take the chunk's entries, and settle
//!   each against a ledger of open invoices and payers read from the store.
//!
//! Every step is safe to repeat: statements are registered create-only by
//! identity, entries are written create-only with a claim on their money,
//! and a chunk counts once however often it is settled.

pub mod work;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures::{stream, StreamExt};
use o2c_bank::Format;
use o2c_domain::actions::{ActionError, Context};
use o2c_domain::bank_entry::EntryKind;
use o2c_domain::bank_statement::{StatementStatus, Upload, ENTRIES_PER_CHUNK};
use o2c_domain::clock::Clock;
use o2c_domain::customer::TimeZone;
use o2c_domain::ids::{StatementId, UploadId};
use o2c_domain::matching::{Ledger, MatchPolicy};
use o2c_domain::ports::{LedgerSource, StatementStore, StoreError};
use o2c_domain::reconciliation::{settle_entry, ReconciliationStore, Settled};
use o2c_files::{FileError, StatementFiles};
use tokio::sync::Mutex;

use o2c_messaging::statement_chunks::{ChunkQueue, QueueError};
use crate::work::Work;

/// How long a ledger read from the store serves later chunks of the same
/// statement in a warm container: matches are re-checked against the
/// invoices before they are applied, so an older ledger can only cost a
/// suggestion, never money. A new statement always reads a fresh one, so
/// an invoice made a minute before its payment's statement is found.
const LEDGER_TTL: Duration = Duration::from_secs(300);
type Settling<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Settled, ActionError>> + Send + 'a>>;

/// Entries settled at once within a chunk.
const CONCURRENCY: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Action(#[from] ActionError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Unreadable(String),
}

pub trait Store: ReconciliationStore + StatementStore + LedgerSource + Clone + 'static {}
impl<T: ReconciliationStore + StatementStore + LedgerSource + Clone + 'static> Store for T {}

pub struct Reconciliation<S, Q> {
    store: S,
    files: StatementFiles,
    queue: Q,
    clock: Arc<dyn Clock>,
    time_zone: TimeZone,
    policy: MatchPolicy,
    ledger: Mutex<Option<(StatementId, Instant, Arc<Ledger>)>>,
}

/// The format a stored statement's `format` (its version string) names.
fn format_of(version: &str) -> Format {
    let v = version.to_ascii_lowercase();
    if v.starts_with("camt.054") {
        Format::Camt054
    } else if v.starts_with("camt") {
        Format::Camt053
    } else if v.starts_with("bai") {
        Format::Bai2
    } else if v.starts_with("mt") {
        Format::Mt940
    } else {
        Format::Csv
    }
}

/// The format a raw key's extension names (`raw/<digest>.bai2`).
pub fn format_of_key(key: &str) -> Option<Format> {
    match key.rsplit_once('.')?.1 {
        "camt" | "xml" => Some(Format::Camt053),
        "bai2" => Some(Format::Bai2),
        "mt940" => Some(Format::Mt940),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

impl<S: Store, Q: ChunkQueue> Reconciliation<S, Q> {
    pub fn new(store: S, files: StatementFiles, queue: Q, clock: Arc<dyn Clock>, time_zone: TimeZone) -> Self {
        Self { store, files, queue, clock, time_zone, policy: MatchPolicy::default(), ledger: Mutex::new(None) }
    }

    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut failures = Vec::new();
        for record in event.records {
            let id = record.message_id.clone().unwrap_or_default();
            let body = record.body.as_deref().unwrap_or("");
            let outcome = match work::read(body) {
                Ok(items) => {
                    let mut result = Ok(());
                    for item in items {
                        if let Err(e) = self.run(item).await {
                            result = Err(e);
                            break;
                        }
                    }
                    result
                }
                Err(e) => {
                    // Not ours: retrying cannot help; it goes to the DLQ for a look.
                    tracing::error!(message = %id, error = %e, "unreadable statement message");
                    Err(WorkError::Unreadable(e))
                }
            };
            if let Err(e) = outcome {
                tracing::error!(message = %id, error = %e, "statement work failed; SQS will retry it");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failures.push(failure);
            }
        }
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failures;
        response
    }

    fn ctx(&self) -> Context {
        Context::new(self.clock.as_ref(), self.time_zone, None).with_pause(o2c_api::backoff::jittered())
    }

    pub async fn run(&self, work: Work) -> Result<(), WorkError> {
        match work {
            Work::FileLanded { key } => self.file_landed(&key).await,
            Work::Chunk { statement, chunk } => self.settle_chunk(statement, chunk).await,
            Work::Returns { statement } => self.settle_returns(statement).await,
            Work::Nothing => Ok(()),
        }
    }

    async fn file_landed(&self, key: &str) -> Result<(), WorkError> {
        let upload_id = key.strip_prefix("uploads/").and_then(|id| UploadId::parse(id).ok());
        let mut upload = match upload_id {
            Some(id) => self.store.upload(id).await?,
            None => None,
        };
        if key.starts_with("uploads/") && upload.is_none() {
            tracing::warn!(key, "a file under uploads/ that no upload names; left alone");
            return Ok(());
        }
        let bytes = self.files.get(key).await?;
        let declared = upload.as_ref().and_then(|u| u.format.as_deref()).and_then(o2c_reconcile::file::declared_format).or_else(|| format_of_key(key));
        let refuse = |u: &mut Upload, why: String| {
            u.status = "failed".into();
            u.failure = Some(why);
        };
        let statements = match o2c_reconcile::file::read(&bytes, declared) {
            Ok(s) if s.is_empty() => {
                if let Some(u) = upload.as_mut() {
                    refuse(u, "the file holds no statement".into());
                    self.store.put_upload(u).await?;
                }
                return Ok(());
            }
            Ok(s) => s,
            Err(e) => {
                if let Some(u) = upload.as_mut() {
                    refuse(u, format!("{} refused at {}: {}", format!("{:?}", e.format).to_lowercase(), e.location, e.message));
                    self.store.put_upload(u).await?;
                }
                tracing::warn!(key, error = %e, "statement file refused");
                return Ok(());
            }
        };
        // Statements keep their file under its content's key: a second PUT
        // to the same upload URL cannot change what later chunks read.
        let source = o2c_reconcile::file::raw_key(&bytes, declared.unwrap_or_else(|| o2c_reconcile::file::sniff_format(&bytes)));
        if let Some(u) = upload.as_ref().filter(|u| u.status != "pending" && !u.statements.is_empty()) {
            let first = self.store.statement(u.statements[0]).await?;
            if first.is_some_and(|s| s.source != source) {
                tracing::warn!(key, "an upload's file was replaced after it was read; the replacement is ignored");
                return Ok(());
            }
        }
        if source != key {
            self.files.put(&source, bytes.clone(), "application/octet-stream").await?;
        }
        let now = self.clock.now();
        let mut ids = Vec::new();
        for (index, statement) in statements.iter().enumerate() {
            let record = o2c_reconcile::file::statement_record(statement, index, &bytes, &source, upload_id, now);
            let (held, _new) = self.store.register_statement(&record).await?;
            ids.push(held.id);
            if held.status == StatementStatus::Processing {
                self.queue.enqueue(held.id, held.chunks).await?;
            }
        }
        if let Some(u) = upload.as_mut() {
            u.status = "processing".into();
            u.statements = ids;
            self.store.put_upload(u).await?;
        }
        Ok(())
    }

    async fn ledger(&self, statement: StatementId) -> Result<Arc<Ledger>, WorkError> {
        let mut held = self.ledger.lock().await;
        if let Some((of, at, ledger)) = held.as_ref() {
            if *of == statement && at.elapsed() < LEDGER_TTL {
                return Ok(ledger.clone());
            }
        }
        let (items, payers) = (self.store.open_items().await?, self.store.payers().await?);
        let ledger = Arc::new(Ledger::new(items, payers));
        *held = Some((statement, Instant::now(), ledger.clone()));
        Ok(ledger)
    }

    /// The statement, its file read again, and every entry's facts.
    async fn statement_facts(&self, id: StatementId) -> Result<Option<(o2c_domain::bank_statement::StatementRecord, Vec<o2c_domain::reconciliation::EntryFacts>)>, WorkError> {
        let Some(record) = self.store.statement(id).await? else {
            tracing::warn!(statement = %id, "work for an unknown statement");
            return Ok(None);
        };
        let bytes = self.files.get(&record.source).await?;
        let statements = o2c_reconcile::file::read(&bytes, Some(format_of(&record.format))).map_err(|e| WorkError::Unreadable(e.to_string()))?;
        let statement = statements.get(record.index_in_file as usize).ok_or_else(|| WorkError::Unreadable(format!("{} has no statement {}", record.source, record.index_in_file)))?;
        let facts = o2c_reconcile::file::entry_facts(statement);
        Ok(Some((record, facts)))
    }

    /// Settles one chunk's money in and debits. Returns wait for the last
    /// phase: chunks run in parallel, and a return must find the credit it
    /// reverses already settled, wherever in the statement it is.
    async fn settle_chunk(&self, id: StatementId, chunk: u32) -> Result<(), WorkError> {
        let Some((record, facts)) = self.statement_facts(id).await? else { return Ok(()) };
        let from = (chunk * ENTRIES_PER_CHUNK) as usize;
        let to = (from + ENTRIES_PER_CHUNK as usize).min(facts.len());
        let mine = facts.get(from..to).unwrap_or(&[]);
        let ledger = self.ledger(id).await?;
        let ctx = self.ctx();
        // Boxed as `Send` futures: a closure-built stream of borrowed futures
        // is otherwise not provably `Send`, and the runtime needs it to be.
        let settling: Vec<Settling<'_>> = mine
            .iter()
            .filter(|f| f.kind != EntryKind::Reversal)
            .map(|f| Box::pin(settle_entry(&self.store, &ctx, &record, f, &ledger, &self.policy)) as Settling<'_>)
            .collect();
        let results: Vec<Result<Settled, ActionError>> = stream::iter(settling).buffer_unordered(CONCURRENCY).collect().await;
        for r in results {
            r?;
        }
        let Some((record, settled)) = self.store.chunk_settled(id, chunk).await? else { return Ok(()) };
        // Every chunk done (a redelivered chunk may see it again: both
        // phases are idempotent).
        if settled >= record.chunks && record.status == StatementStatus::Processing {
            if facts.iter().any(|f| f.kind == EntryKind::Reversal) {
                self.queue.enqueue_returns(id).await?;
            } else {
                self.store.mark_reconciled(id, self.clock.now()).await?;
            }
        }
        Ok(())
    }

    /// The last phase: the statement's returns, in order.
    async fn settle_returns(&self, id: StatementId) -> Result<(), WorkError> {
        let Some((record, facts)) = self.statement_facts(id).await? else { return Ok(()) };
        let ledger = self.ledger(id).await?;
        let ctx = self.ctx();
        for f in facts.iter().filter(|f| f.kind == EntryKind::Reversal) {
            settle_entry(&self.store, &ctx, &record, f, &ledger, &self.policy).await?;
        }
        self.store.mark_reconciled(id, self.clock.now()).await?;
        Ok(())
    }
}

/// What the function needs besides the table.
pub struct Config {
    pub bucket: String,
    pub queue_url: String,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let var = |n: &str| std::env::var(n).map_err(|_| format!("{n} is not set"));
        Ok(Self { bucket: var("O2C_STATEMENTS_BUCKET")?, queue_url: var("O2C_STATEMENT_QUEUE_URL")? })
    }
}

