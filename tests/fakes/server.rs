//! The skeleton every fake runs on: an axum app bound on 127.0.0.1 (port 0 unless a test
//! chose one), served on a task that ends when the fake is dropped, with every request
//! recorded as "METHOD /path?query" in arrival order.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;

pub struct FakeServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    pub async fn serve(app: Router) -> Self {
        Self::serve_on("127.0.0.1:0", app).await
    }

    /// On a chosen address (a test that starts the server late picks its port first).
    pub async fn serve_on(address: &str, app: Router) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let recorder = log.clone();
        let app = app.layer(middleware::from_fn(move |request: Request, next: Next| {
            let recorder = recorder.clone();
            async move { record(&recorder, request, next).await }
        }));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("bind the fake");
        let addr = listener.local_addr().expect("the fake's address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, log, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().expect("request log").clone()
    }
}

async fn record(log: &Mutex<Vec<String>>, request: Request, next: Next) -> Response {
    let line = format!("{} {}", request.method(), request.uri());
    log.lock().expect("request log").push(line);
    next.run(request).await
}
