//! The statements bucket: raw files kept exactly as received (`raw/…` for
//! direct uploads, `uploads/…` for pre-signed ones), read back by the
//! reconciliation function, and pre-signed PUT URLs for files over the
//! API's body limit.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file store is unavailable: {0}")]
    Unavailable(String),
    #[error("no such file: {0}")]
    Missing(String),
}

/// A pre-signed PUT: where to send the file, and until when.
#[derive(Debug, Clone)]
pub struct PresignedPut {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct StatementFiles {
    client: Client,
    bucket: String,
}

impl StatementFiles {
    /// `path_style` for emulators (moto) that do not serve bucket subdomains.
    pub fn new(config: &aws_config::SdkConfig, bucket: impl Into<String>, path_style: bool) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).build();
        Self { client: Client::from_conf(s3), bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), FileError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| FileError::Unavailable(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        let out = self.client.get_object().bucket(&self.bucket).key(key).send().await.map_err(|e| {
            if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                FileError::Missing(key.to_owned())
            } else {
                FileError::Unavailable(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
            }
        })?;
        let bytes = out.body.collect().await.map_err(|e| FileError::Unavailable(e.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }

    /// A URL anyone holding it may PUT one file to, for `expires`.
    pub async fn presign_put(&self, key: &str, expires: Duration) -> Result<PresignedPut, FileError> {
        let config = PresigningConfig::expires_in(expires).map_err(|e| FileError::Unavailable(e.to_string()))?;
        let req = self.client.put_object().bucket(&self.bucket).key(key).presigned(config).await.map_err(|e| FileError::Unavailable(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(PresignedPut { url: req.uri().to_owned(), method: req.method().to_owned(), headers: req.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() })
    }
}
