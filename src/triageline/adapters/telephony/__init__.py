"""Twilio voice/SMS and web-chat renderers for dialogue actions, and webhook signature checks."""

from triageline.adapters.telephony.signature import TwilioSignatureValidator
from triageline.adapters.telephony.text import ChatBubble, render_chat, render_sms, render_sms_twiml
from triageline.adapters.telephony.twiml import VOICE_PROFILES, VoiceProfile, render_twiml

__all__ = [
    "VOICE_PROFILES",
    "ChatBubble",
    "TwilioSignatureValidator",
    "VoiceProfile",
    "render_chat",
    "render_sms",
    "render_sms_twiml",
    "render_twiml",
]
