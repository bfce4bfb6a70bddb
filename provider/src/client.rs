//! The provider's client of the backend: SigV4-signed JSON calls to the AWS-wire API and the
//! admin API, and the start of a bundled backend when the default endpoint has none.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use lattice_api::{sigv4, ApiError};
use serde_json::Value as Json;
use tf_provider::Diagnostics;

#[derive(Debug)]
pub(crate) enum ClientError {
    Api(ApiError),
    Transport(String),
}

impl std::error::Error for ClientError {}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Api(e) => {
                write!(f, "{}: {}", e.code, e.message)?;
                for field in &e.field_list {
                    write!(f, "\n  {}: {}", field.name, field.message)?;
                }
                Ok(())
            }
            ClientError::Transport(e) => write!(f, "{e}"),
        }
    }
}

impl ClientError {
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, ClientError::Api(e) if e.is_not_found())
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Client {
    http: reqwest::Client,
    pub endpoint: String,
    pub region: String,
    access_key: String,
    secret_key: String,
    /// The provider block's `default_tags`: every taggable resource gets them.
    pub default_tags: crate::tags::Tags,
}

/// The client, once the provider is configured.
#[derive(Clone, Default)]
pub(crate) struct SharedClient(Arc<RwLock<Option<Client>>>);

impl SharedClient {
    pub(crate) fn set(&self, client: Client) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(client);
    }
    /// The provider's default tags (none before it is configured).
    pub(crate) fn default_tags(&self) -> crate::tags::Tags {
        self.0.read().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| c.default_tags.clone()).unwrap_or_default()
    }
    pub(crate) fn get(&self, diags: &mut Diagnostics) -> Option<Client> {
        let c = self.0.read().unwrap_or_else(|p| p.into_inner()).clone();
        if c.is_none() {
            diags.root_error_short("the lattice provider is not configured");
        }
        c
    }
}

/// Percent-encodes one path label (an id or an ARN).
pub(crate) fn label(s: &str) -> String {
    sigv4::uri_encode(s, false)
}

impl Client {
    pub(crate) fn new(endpoint: String, region: String, access_key: String, secret_key: String) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap_or_default();
        Self {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region,
            access_key,
            secret_key,
            default_tags: Default::default(),
        }
    }

    /// Calls VPC Lattice operation `name` with `input` as the botocore model describes it: the
    /// input is validated against the model (a bad value is refused before anything is sent)
    /// and the method, path, query and body come from the model, not from each resource.
    pub(crate) async fn op(&self, name: &str, input: Json) -> Result<Json, ClientError> {
        let call = lattice_api::model::vpc_lattice().request(name, &input).map_err(ClientError::Api)?;
        let query: Vec<(&str, String)> = call.query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.call("vpc-lattice", &call.method, &call.path, &query, call.body).await
    }

    /// Calls an AWS RAM operation: `POST /<operation in lower case>` with a JSON body, or for
    /// the three `Delete*` operations, `DELETE` with query parameters.
    pub(crate) async fn ram(&self, operation: &str, body: Json) -> Result<Json, ClientError> {
        let path = format!("/{}", operation.to_lowercase());
        if operation.starts_with("Delete") {
            let query: Vec<(&str, String)> = body
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect();
            self.call("ram", "DELETE", &path, &query, None).await
        } else {
            self.call("ram", "POST", &path, &[], Some(body)).await
        }
    }

    /// Calls the admin API (`/_lattice-local/…`).
    pub(crate) async fn admin(&self, method: &str, path: &str, body: Option<Json>) -> Result<Json, ClientError> {
        self.call("lattice-local", method, &format!("/_lattice-local{path}"), &[], body).await
    }

    async fn call(
        &self,
        service: &str,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<Json>,
    ) -> Result<Json, ClientError> {
        let raw_query: String = query
            .iter()
            .map(|(k, v)| format!("{}={}", sigv4::uri_encode(k, false), sigv4::uri_encode(v, false)))
            .collect::<Vec<_>>()
            .join("&");
        let body_bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let url = if raw_query.is_empty() {
            format!("{}{path}", self.endpoint)
        } else {
            format!("{}{path}?{raw_query}", self.endpoint)
        };
        let host = url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or_default().to_string();
        let mut headers = vec![("host".to_string(), host)];
        if !body_bytes.is_empty() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let signing = sigv4::SignableRequest {
            method,
            raw_path: path,
            raw_query: &raw_query,
            headers: &headers,
            body: &body_bytes,
        };
        let added = sigv4::sign(
            &signing,
            &self.access_key,
            &self.secret_key,
            &self.region,
            service,
            time::OffsetDateTime::now_utc(),
        );
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| ClientError::Transport(e.to_string()))?;
        let mut req = self.http.request(method, &url);
        for (k, v) in headers.iter().chain(&added).filter(|(k, _)| k != "host") {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.body(body_bytes).send().await.map_err(|e| {
            ClientError::Transport(format!("cannot reach the lattice-local backend at {}: {e}", self.endpoint))
        })?;
        let status = resp.status().as_u16();
        let error_type = resp.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(str::to_string);
        let bytes = resp.bytes().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(ClientError::Api(ApiError::from_response(status, error_type.as_deref(), &bytes)));
        }
        if bytes.is_empty() {
            return Ok(Json::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Transport(format!("unreadable answer from the backend: {e}")))
    }

    /// True when a backend answers at the endpoint.
    pub(crate) async fn healthy(&self) -> bool {
        let url = format!("{}/_lattice-local/health", self.endpoint);
        matches!(self.http.get(url).timeout(Duration::from_secs(2)).send().await, Ok(r) if r.status().is_success())
    }
}

/// Starts the bundled `lattice-local serve` as a detached daemon (its own process group, so
/// it keeps serving after Terraform exits) and waits until it answers. Returns a message for
/// the user.
pub(crate) async fn start_bundled_backend(client: &Client) -> Result<String, String> {
    let exe = std::env::current_exe().ok();
    let beside = exe.as_ref().and_then(|e| e.parent()).map(|d| d.join("lattice-local")).filter(|p| p.is_file());
    let program = beside.unwrap_or_else(|| std::path::PathBuf::from("lattice-local"));
    let listen = client.endpoint.trim_start_matches("http://").to_string();
    let data_dir = std::env::var_os("LATTICE_LOCAL_DATA_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| {
        let base = std::env::var_os("XDG_DATA_HOME").map(std::path::PathBuf::from).unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(std::env::temp_dir)
                .join(".local/share")
        });
        base.join("lattice-local")
    });
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let log_path = data_dir.join("lattice-local.log");
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(|e| e.to_string())?;
    let err_log = log.try_clone().map_err(|e| e.to_string())?;
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new(&program)
        .args(["serve", "--listen", &listen, "--region", &client.region])
        .env("LATTICE_LOCAL_DATA_DIR", &data_dir)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .process_group(0)
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {}: {e} (put lattice-local beside the provider or on PATH, or set endpoint)",
                program.display()
            )
        })?;
    for _ in 0..100 {
        if client.healthy().await {
            return Ok(format!(
                "Started the bundled lattice-local backend at {} (pid {}, data in {}, log {}). It keeps running after Terraform exits so traffic can flow; stop it with `lattice-local stop`.",
                client.endpoint,
                child.id(),
                data_dir.display(),
                log_path.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "started {} but it did not answer at {} within 10s; see {}",
        program.display(),
        client.endpoint,
        log_path.display()
    ))
}
