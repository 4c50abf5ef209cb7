//! The local socket a running copse listens on (`copse.sock` in the data folder), and asking it.
//!
//! One line each way: a [`Request`] word in, an [`Answer`] word out. The folder is the owner's
//! alone (mode 0700), so only the owner's programs can connect; still, a request is at most a
//! short line, read with a time limit. The socket is a Unix-domain socket: elsewhere copse does
//! not listen, and a second start reports the folder in use, as before.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The socket's file name in the data folder.
pub const SOCKET_FILE: &str = "copse.sock";

/// The longest request line read.
const MAX_REQUEST: usize = 64;

/// How long either side waits for the other's line.
const PATIENCE: Duration = Duration::from_secs(3);

/// What another process asks the running copse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Show the window (bring it forward, or open it when running in the background).
    Show,
    /// Stop: close the window if open, save everything, end the process.
    Quit,
    /// Only say how it runs.
    State,
}

/// How the running copse answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// It is opening the data folder; its window (if any) comes next.
    Starting,
    /// Its window is open.
    Window,
    /// It syncs in the background, with no window.
    Background,
    /// It is opening its window.
    OpeningWindow,
    /// It is saving everything and stopping.
    Stopping,
}

impl Request {
    fn word(self) -> &'static str {
        match self {
            Request::Show => "show",
            Request::Quit => "quit",
            Request::State => "state",
        }
    }

    fn parse(line: &str) -> Option<Request> {
        [Request::Show, Request::Quit, Request::State]
            .into_iter()
            .find(|r| r.word() == line.trim())
    }
}

impl Answer {
    fn word(self) -> &'static str {
        match self {
            Answer::Starting => "starting",
            Answer::Window => "window",
            Answer::Background => "background",
            Answer::OpeningWindow => "opening_window",
            Answer::Stopping => "stopping",
        }
    }

    fn parse(line: &str) -> Option<Answer> {
        [
            Answer::Starting,
            Answer::Window,
            Answer::Background,
            Answer::OpeningWindow,
            Answer::Stopping,
        ]
        .into_iter()
        .find(|a| a.word() == line.trim())
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Answer::Starting => "copse is starting",
            Answer::Window => "copse is running with its window open",
            Answer::Background => "copse is running in the background, syncing",
            Answer::OpeningWindow => "copse was running in the background; its window is opening",
            Answer::Stopping => "copse is saving everything and stopping",
        })
    }
}

/// Why asking the running copse did not work.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// Nothing listens on the folder's socket: no copse runs on it (or one that cannot listen).
    #[error("no copse is running on this data folder")]
    NotRunning,
    /// Something listens but did not answer in time, or answered nonsense.
    #[error("the copse running on this data folder did not answer: {0}")]
    NoAnswer(String),
}

type Handler = Box<dyn Fn(Request) -> Answer + Send>;

/// The listening socket of this process; removed when dropped.
pub struct Instance {
    path: PathBuf,
    handler: Arc<Mutex<Handler>>,
    task: tokio::task::JoinHandle<()>,
}

impl Instance {
    /// Listens on the socket of `data_dir`, whose lock this process holds (so a socket file
    /// already there is a leftover of a process that ended, and is replaced). Each request is
    /// answered by `handler`, which [`Instance::set_handler`] can change. Call within a tokio
    /// runtime.
    #[cfg(unix)]
    pub fn listen(
        data_dir: &Path,
        handler: impl Fn(Request) -> Answer + Send + 'static,
    ) -> std::io::Result<Instance> {
        let path = data_dir.join(SOCKET_FILE);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = tokio::net::UnixListener::bind(&path)?;
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Box::new(handler)));
        let serving = handler.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let handler = serving.clone();
                tokio::spawn(async move {
                    if let Err(e) = answer_one(stream, &handler).await {
                        tracing::debug!(error = %e, "a request on the local socket");
                    }
                });
            }
        });
        Ok(Instance {
            path,
            handler,
            task,
        })
    }

    /// Without Unix-domain sockets, copse does not listen.
    #[cfg(not(unix))]
    pub fn listen(
        _data_dir: &Path,
        _handler: impl Fn(Request) -> Answer + Send + 'static,
    ) -> std::io::Result<Instance> {
        Err(std::io::ErrorKind::Unsupported.into())
    }

    /// Answers further requests with `handler`.
    pub fn set_handler(&self, handler: impl Fn(Request) -> Answer + Send + 'static) {
        if let Ok(mut slot) = self.handler.lock() {
            *slot = Box::new(handler);
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
async fn answer_one(
    stream: tokio::net::UnixStream,
    handler: &Mutex<Handler>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut limited = BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_REQUEST as u64));
    tokio::time::timeout(PATIENCE, limited.read_line(&mut line))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let Some(request) = Request::parse(&line) else {
        write.write_all(b"unknown request\n").await?;
        return Ok(());
    };
    let answer = match handler.lock() {
        Ok(handler) => handler(request),
        Err(_) => return Ok(()),
    };
    write
        .write_all(format!("{}\n", answer.word()).as_bytes())
        .await
}

/// Asks the copse running on `data_dir`, waiting a few seconds at most.
#[cfg(unix)]
pub fn ask(data_dir: &Path, request: Request) -> Result<Answer, AskError> {
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::net::UnixStream;
    let mut stream =
        UnixStream::connect(data_dir.join(SOCKET_FILE)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                AskError::NotRunning
            }
            _ => AskError::NoAnswer(e.to_string()),
        })?;
    let no_answer = |e: std::io::Error| AskError::NoAnswer(e.to_string());
    stream.set_read_timeout(Some(PATIENCE)).map_err(no_answer)?;
    stream
        .set_write_timeout(Some(PATIENCE))
        .map_err(no_answer)?;
    stream
        .write_all(format!("{}\n", request.word()).as_bytes())
        .map_err(no_answer)?;
    let mut line = String::new();
    BufReader::new(std::io::Read::take(stream, MAX_REQUEST as u64))
        .read_line(&mut line)
        .map_err(no_answer)?;
    Answer::parse(&line).ok_or_else(|| AskError::NoAnswer(format!("'{}'", line.trim())))
}

/// Without Unix-domain sockets, no copse can be asked.
#[cfg(not(unix))]
pub fn ask(_data_dir: &Path, _request: Request) -> Result<Answer, AskError> {
    Err(AskError::NotRunning)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_reaches_the_handler_and_its_answer_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        assert!(matches!(
            ask(&path, Request::State),
            Err(AskError::NotRunning)
        ));
        let instance = Instance::listen(&path, |request| match request {
            Request::Quit => Answer::Stopping,
            _ => Answer::Window,
        })
        .unwrap();
        let asking = path.clone();
        let answers = tokio::task::spawn_blocking(move || {
            (
                ask(&asking, Request::State).unwrap(),
                ask(&asking, Request::Quit).unwrap(),
            )
        })
        .await
        .unwrap();
        assert_eq!(answers, (Answer::Window, Answer::Stopping));
        instance.set_handler(|_| Answer::Background);
        let asking = path.clone();
        let later = tokio::task::spawn_blocking(move || ask(&asking, Request::Show).unwrap())
            .await
            .unwrap();
        assert_eq!(later, Answer::Background);
        drop(instance);
        assert!(
            !path.join(SOCKET_FILE).exists(),
            "the socket goes with the process"
        );
        assert!(matches!(
            ask(&path, Request::State),
            Err(AskError::NotRunning)
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_leftover_socket_file_is_replaced_and_garbage_gets_no_answer_word() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SOCKET_FILE), "left by a crash").unwrap();
        let _instance = Instance::listen(dir.path(), |_| Answer::Window).unwrap();
        let path = dir.path().join(SOCKET_FILE);
        let reply = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut s = std::os::unix::net::UnixStream::connect(path).unwrap();
            let _ = s.write_all(&[0xff; 200]);
            let mut reply = String::new();
            let _ = s.read_to_string(&mut reply);
            reply
        })
        .await
        .unwrap();
        assert!(Answer::parse(&reply).is_none(), "got {reply:?}");
    }
}
