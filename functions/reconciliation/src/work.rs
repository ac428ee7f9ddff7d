//! What a message on the statement queue asks for: a file that landed in
//! the bucket (S3's notification), or one chunk of a statement's entries
//! (our own fan-out).

use o2c_domain::ids::StatementId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Chunk {
    Chunk { statement: StatementId, chunk: u32 },
    Returns { statement: StatementId },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// A file landed under `key`.
    FileLanded { key: String },
    Chunk { statement: StatementId, chunk: u32 },
    /// Every chunk is settled: settle the statement's returns, in order.
    Returns { statement: StatementId },
    /// S3's test event, or a notification for something we do not process.
    Nothing,
}

#[derive(Deserialize)]
struct S3Notification {
    #[serde(rename = "Records", default)]
    records: Vec<S3Record>,
    #[serde(rename = "Event", default)]
    event: Option<String>,
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventName", default)]
    event_name: String,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
}

/// S3 writes keys URL-encoded, spaces as `+`.
fn decode_key(key: &str) -> String {
    let bytes = key.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Everything one message asks for.
pub fn read(body: &str) -> Result<Vec<Work>, String> {
    match serde_json::from_str::<Chunk>(body) {
        Ok(Chunk::Chunk { statement, chunk }) => return Ok(vec![Work::Chunk { statement, chunk }]),
        Ok(Chunk::Returns { statement }) => return Ok(vec![Work::Returns { statement }]),
        Err(_) => {}
    }
    let n: S3Notification = serde_json::from_str(body).map_err(|e| format!("not a statement message: {e}"))?;
    if n.event.as_deref() == Some("s3:TestEvent") {
        return Ok(vec![Work::Nothing]);
    }
    Ok(n.records
        .into_iter()
        .map(|r| if r.event_name.starts_with("ObjectCreated") { Work::FileLanded { key: decode_key(&r.s3.object.key) } } else { Work::Nothing })
        .collect())
}

pub use o2c_messaging::statement_chunks::{chunk_body, returns_body};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_notification_names_the_file_that_landed() {
        let body = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"uploads/upl_01J%2Bx+y","size":10}}}]}"#;
        assert_eq!(read(body).unwrap(), vec![Work::FileLanded { key: "uploads/upl_01J+x y".into() }]);
    }

    #[test]
    fn the_test_event_and_deletions_ask_for_nothing() {
        assert_eq!(read(r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}"#).unwrap(), vec![Work::Nothing]);
        let removed = r#"{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"object":{"key":"raw/x"}}}]}"#;
        assert_eq!(read(removed).unwrap(), vec![Work::Nothing]);
    }

    #[test]
    fn a_chunk_message_reads_back_as_written() {
        let s = StatementId::from_ulid(ulid::Ulid::new());
        assert_eq!(read(&chunk_body(s, 3)).unwrap(), vec![Work::Chunk { statement: s, chunk: 3 }]);
        assert_eq!(read(&returns_body(s)).unwrap(), vec![Work::Returns { statement: s }]);
        assert!(read("{}").unwrap().is_empty());
        assert!(read("nonsense").is_err());
    }
}
