//! The evidence mini-language: one string per signal that raises (or, with a
//! leading `!`, lowers) a cause.
//!
//! Entries are written by hand, so the strings are parsed when the knowledge base
//! loads and an entry with one that does not parse is left out and reported,
//! rather than silently never matching. The forms are listed in `kb/README.md`.

use std::fmt;

/// One signal in a cause's `evidence` list, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Evidence {
    /// What the signal looks at.
    pub signal: Signal,
    /// Written with a leading `!`: when the signal holds, the cause becomes
    /// *less* likely.
    pub negated: bool,
}

/// The kinds of signal a finding can show.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Signal {
    /// `message~TEXT`: the message contains TEXT, ignoring case.
    Message(String),
    /// `operation=NAME`: the EWS operation is NAME.
    Operation(String),
    /// `direction=…`: which way the synchronization was going.
    Direction(Direction),
    /// `inner=CODE`: the `InnerErrorResponseCode` is CODE.
    Inner(String),
    /// `detail:NAME` or `detail:NAME=VALUE`: the MessageXml carries a value
    /// named NAME (equal to VALUE when one is given).
    Detail {
        /// The value's name.
        name: String,
        /// The value it must have, if any.
        value: Option<String>,
    },
    /// `profile~TEXT`: the email server profile's name contains TEXT.
    Profile(String),
    /// `seen-with=CODE`: another finding for the same mailbox carries CODE.
    SeenWith(String),
    /// `http=STATUS`: the HTTP status STATUS appears in the finding.
    Http(u16),
    /// `header:NAME~TEXT`: an HTTP response header NAME whose value contains
    /// TEXT (`header:X-EWS-Policy-Reason~blocked by policy`), read from the
    /// details or from a `NAME: value` line in the message.
    Header {
        /// The header's name.
        name: String,
        /// Text its value must contain.
        text: String,
    },
}

/// What a Dynamics 365 alert or EWS operation was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Incoming email.
    Receive,
    /// Outgoing email.
    Send,
    /// Appointments, contacts and tasks.
    Act,
}

impl Evidence {
    /// Parses one evidence string, saying what is wrong with it when it does not
    /// parse.
    pub fn parse(text: &str) -> Result<Evidence, String> {
        let (negated, body) = match text.trim().strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, text.trim()),
        };
        let signal = Signal::parse(body)
            .ok_or_else(|| format!("evidence `{text}` is not in a form kb/README.md lists"))?;
        Ok(Evidence { signal, negated })
    }

    /// The signal in words, for the explain page ("the message contains …").
    pub fn describe(&self) -> String {
        match &self.signal {
            Signal::Message(t) => format!("the message contains “{t}”"),
            Signal::Operation(o) => format!("the operation is {o}"),
            Signal::Direction(Direction::Receive) => "it concerns incoming email".to_owned(),
            Signal::Direction(Direction::Send) => "it concerns outgoing email".to_owned(),
            Signal::Direction(Direction::Act) => "it concerns appointments, contacts or tasks".to_owned(),
            Signal::Inner(c) => format!("the inner code is {c}"),
            Signal::Detail { name, value: None } => format!("MessageXml carries {name}"),
            Signal::Detail { name, value: Some(v) } => format!("MessageXml carries {name} = {v}"),
            Signal::Profile(t) => format!("the server profile's name contains “{t}”"),
            Signal::SeenWith(c) => format!("the same mailbox also shows {c}"),
            Signal::Http(s) => format!("HTTP status {s} appears"),
            Signal::Header { name, text } => format!("the response header {name} says “{text}”"),
        }
    }
}

impl Signal {
    fn parse(body: &str) -> Option<Signal> {
        // `~` and `=` may occur inside TEXT and VALUE, so split on the first
        // operator only, after a bare keyword.
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        if let Some(t) = body.strip_prefix("message~") {
            return non_empty(t).map(Signal::Message);
        }
        if let Some(t) = body.strip_prefix("profile~") {
            return non_empty(t).map(Signal::Profile);
        }
        if let Some(t) = body.strip_prefix("operation=") {
            return non_empty(t).map(Signal::Operation);
        }
        if let Some(t) = body.strip_prefix("inner=") {
            return non_empty(t).map(Signal::Inner);
        }
        if let Some(t) = body.strip_prefix("seen-with=") {
            return non_empty(t).map(Signal::SeenWith);
        }
        if let Some(t) = body.strip_prefix("header:") {
            let (name, text) = t.split_once('~')?;
            return Some(Signal::Header { name: non_empty(name)?, text: non_empty(text)? });
        }
        if let Some(t) = body.strip_prefix("http=") {
            return t.trim().parse().ok().map(Signal::Http);
        }
        if let Some(t) = body.strip_prefix("direction=") {
            return match t.trim() {
                "receive" => Some(Signal::Direction(Direction::Receive)),
                "send" => Some(Signal::Direction(Direction::Send)),
                "act" => Some(Signal::Direction(Direction::Act)),
                _ => None,
            };
        }
        let t = body.strip_prefix("detail:")?;
        let (name, value) = match t.split_once('=') {
            Some((n, v)) => (n, Some(non_empty(v)?)),
            None => (t, None),
        };
        let name = non_empty(name)?;
        Some(Signal::Detail { name, value })
    }
}

/// Writes the evidence back in its source form (`!message~text`).
impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("!")?;
        }
        match &self.signal {
            Signal::Message(t) => write!(f, "message~{t}"),
            Signal::Operation(o) => write!(f, "operation={o}"),
            Signal::Direction(d) => {
                let d = match d {
                    Direction::Receive => "receive",
                    Direction::Send => "send",
                    Direction::Act => "act",
                };
                write!(f, "direction={d}")
            }
            Signal::Inner(c) => write!(f, "inner={c}"),
            Signal::Detail { name, value: None } => write!(f, "detail:{name}"),
            Signal::Detail { name, value: Some(v) } => write!(f, "detail:{name}={v}"),
            Signal::Profile(t) => write!(f, "profile~{t}"),
            Signal::SeenWith(c) => write!(f, "seen-with={c}"),
            Signal::Http(s) => write!(f, "http={s}"),
            Signal::Header { name, text } => write!(f, "header:{name}~{text}"),
        }
    }
}

/// Writes the evidence in its source form, as the entry's file has it.
impl serde::Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Lets `evidence = [...]` deserialize straight into parsed signals, so a bad
/// string fails the entry's parse with the entry's file named.
impl<'de> serde::Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Evidence::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for text in [
            "message~cannot service this request",
            "operation=FindItem",
            "direction=receive",
            "direction=act",
            "inner=ErrorServerBusy",
            "detail:BackOffMilliseconds",
            "detail:Policy=EwsBlocked",
            "profile~Exchange Online",
            "seen-with=ErrorAccessDenied",
            "http=401",
            "header:X-EWS-Policy-Reason~blocked by policy",
            "!message~a=b~c",
        ] {
            assert_eq!(Evidence::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn bad_forms_are_refused() {
        for text in [
            "",
            "message~",
            "direction=up",
            "http=abc",
            "detail:",
            "detail:X=",
            "msg~x",
            "header:X",
            "header:~y",
        ] {
            assert!(Evidence::parse(text).is_err(), "{text}");
        }
    }
}
