"""A scripted Twilio caller over HTTP: signed webhooks, following each Gather's action URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from calls.calls_builders import CALLER, MAIN_NUMBER, Harness


def make_call_fields(sid: str, from_number: str = CALLER, to: str = MAIN_NUMBER) -> dict[str, str]:
    """The form fields Twilio sends with every voice webhook of one inbound call."""
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": from_number,
        "To": to,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


def next_action(twiml: str) -> str | None:
    """The path (with query) the caller's next answer goes to, or None when nothing is gathered."""
    root = ET.fromstring(twiml.encode("utf-8"))
    for tag in ("Gather", "Dial"):
        found = root.find(tag)
        if found is not None:
            url = found.get("action") or ""
            return url[url.index("/twilio") :]
    return None


@dataclass
class VoiceCaller:
    """One caller on one call: every request sent and TwiML document received, in order."""

    harness: Harness
    sid: str
    fields: dict[str, str] = field(default_factory=dict)
    responses: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Default the form fields from the call sid."""
        if not self.fields:
            self.fields = make_call_fields(self.sid)

    @property
    def last(self) -> str:
        """The latest TwiML."""
        return self.responses[-1]

    def dial_in(self) -> str:
        """The first webhook of the call."""
        return self._post("/twilio/voice", self.fields)

    def say(self, text: str, confidence: float = 0.92) -> str:
        """Answer the open Gather with speech."""
        return self._answer({"SpeechResult": text, "Confidence": f"{confidence:.2f}"})

    def press(self, digits: str) -> str:
        """Answer the open Gather with keypad digits."""
        return self._answer({"Digits": digits})

    def silence(self) -> str:
        """Let the Gather time out (``actionOnEmptyResult`` posts with no input)."""
        return self._answer({})

    def dial_result(self, status: str, duration_s: int = 60) -> str:
        """Twilio posting a transfer's outcome to the ``<Dial>`` action URL."""
        return self._answer({"DialCallStatus": status, "DialCallDuration": str(duration_s)})

    def hang_up(self, sequence: int, duration_s: int = 30) -> int:
        """Twilio's terminal status callback; returns the HTTP status."""
        done = {
            **self.fields,
            "CallStatus": "completed",
            "SequenceNumber": str(sequence),
            "CallDuration": str(duration_s),
        }
        sig = self.harness.sign("/twilio/voice/status", done)
        return int(self.harness.post("/twilio/voice/status", done, signature=sig).status_code)

    def play(self, line: str) -> str:
        """One script line: ``#press D``, ``#silence`` or speech."""
        if line.startswith("#press "):
            return self.press(line.removeprefix("#press "))
        if line == "#silence":
            return self.silence()
        return self.say(line)

    def _answer(self, extra: dict[str, str]) -> str:
        path = next_action(self.last)
        assert path is not None, f"nothing is being gathered: {self.last}"
        return self._post(path, {**self.fields, **extra})

    def retry_last(self) -> str:
        """Twilio re-sending the latest webhook exactly (a timeout on its side)."""
        path, form = self.requests[-1]
        response = self.harness.post(path, form)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return str(response.text)

    def _post(self, path: str, form: dict[str, str]) -> str:
        self.requests.append((path, form))
        response = self.harness.post(path, form)
        assert response.status_code == 200, (path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/xml")
        self.responses.append(str(response.text))
        return str(response.text)
