"""Every caller-facing line, written per language (en/es/zh): short sentences for the phone."""

from __future__ import annotations

from enum import StrEnum

from triageline.domain.triage.types import Language

EN, ES, ZH = Language.EN, Language.ES, Language.ZH


class P(StrEnum):
    """Phrase keys."""

    GREETING = "greeting"
    GREETING_LOCATION = "greeting_location"
    EMERGENCY_NOTICE = "emergency_notice"
    RECORDING_ANNOUNCEMENT = "recording_announcement"
    RECORDING_OPT_OUT_HINT = "recording_opt_out_hint"
    RECORDING_OPTED_OUT = "recording_opted_out"
    LANGUAGE_OFFER = "language_offer"
    ASK_REASON_FIRST = "ask_reason_first"
    ASK_REASON_AGAIN = "ask_reason_again"
    SORRY_NOT_CAUGHT = "sorry_not_caught"
    STILL_THERE = "still_there"
    CONFIRM_HEARD = "confirm_heard"
    YES_NO_HINT = "yes_no_hint"
    REPEAT_REASON = "repeat_reason"
    EMERGENCY_911 = "emergency_911"
    CRISIS_988 = "crisis_988"
    PRACTICE_NOTIFIED = "practice_notified"
    EMERGENCY_OFFER_TRANSFER = "emergency_offer_transfer"
    EMERGENCY_GOODBYE = "emergency_goodbye"
    URGENT_INTRO = "urgent_intro"
    MESSAGE_INTRO = "message_intro"
    ASK_CALLER_NAME = "ask_caller_name"
    ASK_PATIENT_NAME = "ask_patient_name"
    ASK_DOB = "ask_dob"
    ASK_CALLBACK_NUMBER = "ask_callback_number"
    CONFIRM_CALLBACK = "confirm_callback"
    CALLBACK_ALT_HINT = "callback_alt_hint"
    INVALID_NUMBER = "invalid_number"
    INVALID_DOB = "invalid_dob"
    ON_CALL_GENERIC = "on_call_generic"
    URGENT_PROMISE = "urgent_promise"
    URGENT_PROMISE_NO_NUMBER = "urgent_promise_no_number"
    WORSE_911 = "worse_911"
    NEXT_OPENING_FALLBACK = "next_opening_fallback"
    CLINICAL_PROMISE = "clinical_promise"
    SCHEDULING_PROMISE = "scheduling_promise"
    FRONT_DESK_PROMISE = "front_desk_promise"
    STAFF_UNAVAILABLE = "staff_unavailable"
    CONNECTING = "connecting"
    TARGET_911 = "target_911"
    TARGET_NURSE = "target_nurse"
    TARGET_FRONT_DESK = "target_front_desk"
    TARGET_CRISIS = "target_crisis"
    ANYTHING_ELSE = "anything_else"
    ANYTHING_ELSE_WHAT = "anything_else_what"
    GOODBYE = "goodbye"
    GAVE_UP = "gave_up"
    GAVE_UP_SILENT = "gave_up_silent"


_VOICE: dict[P, dict[Language, str]] = {
    P.GREETING: {
        EN: "Thank you for calling {practice}.",
        ES: "Gracias por llamar a {practice}.",
        ZH: "感谢您致电{practice}。",
    },
    P.GREETING_LOCATION: {
        EN: "Thank you for calling {practice}, {location}.",
        ES: "Gracias por llamar a {practice}, {location}.",
        ZH: "感谢您致电{practice}{location}。",
    },
    P.EMERGENCY_NOTICE: {
        EN: "If this is a medical emergency, hang up and dial 911.",
        ES: "Si es una emergencia médica, cuelgue y marque el 911.",
        ZH: "如果是紧急医疗情况，请挂断电话并拨打911。",
    },
    P.RECORDING_ANNOUNCEMENT: {
        EN: "This call is recorded for quality and safety.",
        ES: "Esta llamada se graba por motivos de calidad y seguridad.",
        ZH: "为了服务质量和安全，本次通话会被录音。",
    },
    P.RECORDING_OPT_OUT_HINT: {
        EN: "If you do not want to be recorded, press 9.",
        ES: "Si no desea que se grabe la llamada, oprima 9.",
        ZH: "如果您不希望录音，请按9。",
    },
    P.RECORDING_OPTED_OUT: {
        EN: "Okay. This call will not be recorded.",
        ES: "De acuerdo. No grabaremos esta llamada.",
        ZH: "好的，本次通话不会录音。",
    },
    P.LANGUAGE_OFFER: {
        EN: "For English, press 1.",
        ES: "Para español, oprima 2.",
        ZH: "中文服务请按3。",
    },
    P.ASK_REASON_FIRST: {
        EN: "In a few words, how can we help you today?",
        ES: "En pocas palabras, ¿en qué le podemos ayudar hoy?",
        ZH: "请简单告诉我，今天有什么可以帮您？",
    },
    P.ASK_REASON_AGAIN: {
        EN: "How can I help you?",
        ES: "¿En qué le puedo ayudar?",
        ZH: "请问有什么可以帮您？",
    },
    P.SORRY_NOT_CAUGHT: {
        EN: "Sorry, I didn't catch that.",
        ES: "Perdón, no le entendí bien.",
        ZH: "抱歉，我没有听清楚。",
    },
    P.STILL_THERE: {
        EN: "Are you still there?",
        ES: "¿Sigue en la línea?",
        ZH: "您还在吗？",
    },
    P.CONFIRM_HEARD: {
        EN: 'I heard: "{text}". Is that right?',
        ES: "Entendí: «{text}». ¿Es correcto?",
        ZH: "我听到的是：“{text}”。对吗？",
    },
    P.YES_NO_HINT: {
        EN: "Say yes or no, or press 1 for yes and 2 for no.",
        ES: "Diga sí o no, u oprima 1 para sí y 2 para no.",
        ZH: "请说“对”或“不对”，也可以按1表示对，按2表示不对。",
    },
    P.REPEAT_REASON: {
        EN: "Sorry about that. Please tell me again why you are calling.",
        ES: "Disculpe. Por favor, dígame otra vez por qué llama.",
        ZH: "抱歉。请再说一遍您来电的原因。",
    },
    P.EMERGENCY_911: {
        EN: "This may be an emergency. Hang up now and dial 911.",
        ES: "Esto puede ser una emergencia. Cuelgue ahora y marque el 911.",
        ZH: "这可能是紧急情况。请立即挂断电话，拨打911。",
    },
    P.CRISIS_988: {
        EN: (
            "You are not alone. You can call or text 988, the Suicide and Crisis Lifeline, "
            "any time, day or night. If you are in danger right now, call 911."
        ),
        ES: (
            "No está solo. Puede llamar o enviar un texto al 988, la línea de prevención del "
            "suicidio y crisis, a cualquier hora. Si está en peligro ahora mismo, llame al 911."
        ),
        ZH: (
            "您并不孤单。您可以随时拨打或发短信到988自杀与危机生命线。如果您现在有危险，请拨打911。"
        ),
    },
    P.PRACTICE_NOTIFIED: {
        EN: "I am letting the practice know right now.",
        ES: "Estoy avisando al consultorio en este momento.",
        ZH: "我正在立即通知诊所。",
    },
    P.EMERGENCY_OFFER_TRANSFER: {
        EN: "If you cannot hang up and call, stay on the line and I will connect you to {target}.",
        ES: "Si no puede colgar y llamar, no cuelgue y le comunicaré con {target}.",
        ZH: "如果您无法挂断后自行拨打，请不要挂机，我现在为您转接{target}。",
    },
    P.EMERGENCY_GOODBYE: {
        EN: "Please hang up now and dial 911. Goodbye.",
        ES: "Por favor, cuelgue ahora y marque el 911. Adiós.",
        ZH: "请现在挂断电话并拨打911。再见。",
    },
    P.URGENT_INTRO: {
        EN: "I will get this to a clinician right away. I just need a few details.",
        ES: "Voy a pasar esto a un profesional de salud de inmediato. Solo necesito unos datos.",
        ZH: "我会马上转告医护人员。我需要问您几个问题。",
    },
    P.MESSAGE_INTRO: {
        EN: "I will take a message for our team.",
        ES: "Le tomaré un mensaje para nuestro equipo.",
        ZH: "我来帮您给我们的团队留言。",
    },
    P.ASK_CALLER_NAME: {
        EN: "May I have your full name, please?",
        ES: "¿Me puede dar su nombre completo, por favor?",
        ZH: "请问您的全名是什么？",
    },
    P.ASK_PATIENT_NAME: {
        EN: "What is the patient's full name? If it is you, just say me, or press 1.",
        ES: "¿Cuál es el nombre completo del paciente? Si es usted, diga yo, u oprima 1.",
        ZH: "请问病人的全名是什么？如果是您本人，请说“我”，或者按1。",
    },
    P.ASK_DOB: {
        EN: (
            "What is the patient's date of birth? You can say it, or type eight digits: "
            "month, day and year."
        ),
        ES: (
            "¿Cuál es la fecha de nacimiento del paciente? Puede decirla o marcar ocho dígitos: "
            "día, mes y año."
        ),
        ZH: "请问病人的出生日期？您可以直接说，或者输入八位数字：年、月、日。",
    },
    P.ASK_CALLBACK_NUMBER: {
        EN: (
            "What is the best number to call you back? Say it, or type it on the keypad "
            "and then press pound."
        ),
        ES: (
            "¿A qué número le podemos devolver la llamada? Dígalo, o márquelo en el teclado "
            "y luego oprima la tecla de numeral."
        ),
        ZH: "请问回电号码是多少？您可以直接说，或在键盘上输入，然后按井号键。",
    },
    P.CONFIRM_CALLBACK: {
        EN: "I have your number as {digits}. Is that the best number to call you back?",
        ES: "Tengo su número como {digits}. ¿Es el mejor número para devolverle la llamada?",
        ZH: "您的号码是{digits}。这是最好的回电号码吗？",
    },
    P.CALLBACK_ALT_HINT: {
        EN: "Say yes, or press 1. Or say or type a different number.",
        ES: "Diga sí, u oprima 1. O diga o marque otro número.",
        ZH: "如果是，请说“对”或按1；如果不是，请说出或输入其他号码。",
    },
    P.INVALID_NUMBER: {
        EN: "Sorry, I need a phone number with the area code.",
        ES: "Perdón, necesito un número de teléfono con el código de área.",
        ZH: "抱歉，请提供带区号的电话号码。",
    },
    P.INVALID_DOB: {
        EN: "Sorry, that did not sound like a date of birth.",
        ES: "Perdón, eso no parece una fecha de nacimiento.",
        ZH: "抱歉，这好像不是出生日期。",
    },
    P.ON_CALL_GENERIC: {
        EN: "Our on-call clinician",
        ES: "Nuestro profesional de guardia",
        ZH: "我们的值班医护人员",
    },
    P.URGENT_PROMISE: {
        EN: "{who} will call you back at {digits} within {minutes} minutes.",
        ES: "{who} le devolverá la llamada al {digits} en menos de {minutes} minutos.",
        ZH: "{who}会在{minutes}分钟内给您回电，号码是{digits}。",
    },
    P.URGENT_PROMISE_NO_NUMBER: {
        EN: "{who} will be told right away and will try to reach you within {minutes} minutes.",
        ES: "{who} recibirá el aviso de inmediato e intentará comunicarse en {minutes} minutos.",
        ZH: "{who}会马上收到通知，并会在{minutes}分钟内设法联系您。",
    },
    P.WORSE_911: {
        EN: "If it gets worse before then, hang up and call 911.",
        ES: "Si empeora antes, cuelgue y llame al 911.",
        ZH: "如果在此之前情况变得更严重，请挂断电话并拨打911。",
    },
    P.NEXT_OPENING_FALLBACK: {
        EN: "when the office next opens",
        ES: "cuando abra el consultorio",
        ZH: "诊所下次开门时",
    },
    P.CLINICAL_PROMISE: {
        EN: "Thank you. I have passed your message on. Our clinical team will call you {when}.",
        ES: "Gracias. Ya pasé su mensaje. Nuestro equipo clínico le llamará {when}.",
        ZH: "谢谢。您的留言已经转达。我们的医护团队会在{when}给您回电。",
    },
    P.SCHEDULING_PROMISE: {
        EN: "Thank you. Our scheduling team will call you {when} about your appointment.",
        ES: "Gracias. Nuestro equipo de citas le llamará {when} sobre su cita.",
        ZH: "谢谢。我们的预约团队会在{when}给您回电，处理您的预约。",
    },
    P.FRONT_DESK_PROMISE: {
        EN: "Thank you. I have passed your message on. Our front desk will call you {when}.",
        ES: "Gracias. Ya pasé su mensaje. Nuestra recepción le llamará {when}.",
        ZH: "谢谢。您的留言已经转达。我们的前台会在{when}给您回电。",
    },
    P.STAFF_UNAVAILABLE: {
        EN: "Our staff cannot come to the phone right now, so I will take a message for them.",
        ES: "Nuestro personal no puede atender en este momento, así que le tomaré un mensaje.",
        ZH: "我们的工作人员现在无法接听，我先帮您留言。",
    },
    P.CONNECTING: {
        EN: "Please stay on the line while I connect you to {target}.",
        ES: "Por favor, no cuelgue mientras le comunico con {target}.",
        ZH: "请不要挂机，我正在为您转接{target}。",
    },
    P.TARGET_911: {EN: "911", ES: "el 911", ZH: "911"},
    P.TARGET_NURSE: {EN: "our nurse", ES: "nuestra enfermera", ZH: "我们的护士"},
    P.TARGET_FRONT_DESK: {EN: "our front desk", ES: "nuestra recepción", ZH: "我们的前台"},
    P.TARGET_CRISIS: {EN: "the 988 Lifeline", ES: "la línea 988", ZH: "988生命线"},
    P.ANYTHING_ELSE: {
        EN: "Is there anything else I can help you with?",
        ES: "¿Hay algo más en que le pueda ayudar?",
        ZH: "还有其他可以帮您的吗？",
    },
    P.ANYTHING_ELSE_WHAT: {
        EN: "Sure. What else can I help you with?",
        ES: "Claro. ¿En qué más le puedo ayudar?",
        ZH: "好的，还有什么可以帮您？",
    },
    P.GOODBYE: {
        EN: "Thank you for calling. Take care. Goodbye.",
        ES: "Gracias por llamar. Cuídese mucho. Adiós.",
        ZH: "感谢您的来电，请多保重，再见。",
    },
    P.GAVE_UP: {
        EN: "I'm sorry we could not finish. I have passed on what you told me, "
        "and our team will call you back.",
        ES: "Lamento que no pudimos terminar. Ya pasé lo que me dijo, "
        "y nuestro equipo le devolverá la llamada.",
        ZH: "抱歉没能完成。我已经转达了您提供的信息，我们的工作人员会给您回电。",
    },
    P.GAVE_UP_SILENT: {
        EN: "I'm sorry, I cannot hear you. If this is an emergency, hang up and dial 911. "
        "I will let our team know you called.",
        ES: "Lo siento, no le escucho. Si es una emergencia, cuelgue y marque el 911. "
        "Le avisaré a nuestro equipo que usted llamó.",
        ZH: "抱歉，我听不到您的声音。如果是紧急情况，请挂断电话并拨打911。"
        "我会通知我们的工作人员您来过电话。",
    },
}

# Typed channels (SMS, web chat): only the lines that differ from the spoken ones.
_TEXT: dict[P, dict[Language, str]] = {
    P.GREETING: {
        EN: "Thank you for contacting {practice}.",
        ES: "Gracias por comunicarse con {practice}.",
        ZH: "感谢您联系{practice}。",
    },
    P.GREETING_LOCATION: {
        EN: "Thank you for contacting {practice}, {location}.",
        ES: "Gracias por comunicarse con {practice}, {location}.",
        ZH: "感谢您联系{practice}{location}。",
    },
    P.EMERGENCY_NOTICE: {
        EN: "If this is a medical emergency, call 911 now.",
        ES: "Si es una emergencia médica, llame al 911 ahora.",
        ZH: "如果是紧急医疗情况，请立即拨打911。",
    },
    P.LANGUAGE_OFFER: {
        EN: "For English, reply 1.",
        ES: "Para español, responda 2.",
        ZH: "中文服务请回复3。",
    },
    P.SORRY_NOT_CAUGHT: {
        EN: "Sorry, I didn't understand that.",
        ES: "Perdón, no le entendí.",
        ZH: "抱歉，我没有看明白。",
    },
    P.STILL_THERE: {EN: "Are you still there?", ES: "¿Sigue ahí?", ZH: "您还在吗？"},
    P.CONFIRM_HEARD: {
        EN: 'You wrote: "{text}". Is that right?',
        ES: "Usted escribió: «{text}». ¿Es correcto?",
        ZH: "您写的是：“{text}”。对吗？",
    },
    P.YES_NO_HINT: {EN: "Reply yes or no.", ES: "Responda sí o no.", ZH: "请回复“对”或“不对”。"},
    P.REPEAT_REASON: {
        EN: "Sorry about that. Please tell me again why you are writing.",
        ES: "Disculpe. Por favor, dígame otra vez el motivo de su mensaje.",
        ZH: "抱歉。请再说明一下您联系我们的原因。",
    },
    P.EMERGENCY_911: {
        EN: "This may be an emergency. Call 911 now.",
        ES: "Esto puede ser una emergencia. Llame al 911 ahora.",
        ZH: "这可能是紧急情况。请立即拨打911。",
    },
    P.EMERGENCY_GOODBYE: {
        EN: "Please call 911 now.",
        ES: "Por favor, llame al 911 ahora.",
        ZH: "请立即拨打911。",
    },
    P.ASK_PATIENT_NAME: {
        EN: "What is the patient's full name? If it is you, reply me.",
        ES: "¿Cuál es el nombre completo del paciente? Si es usted, responda yo.",
        ZH: "请问病人的全名是什么？如果是您本人，请回复“我”。",
    },
    P.ASK_DOB: {
        EN: "What is the patient's date of birth? For example: 03/14/1962.",
        ES: "¿Cuál es la fecha de nacimiento del paciente? Por ejemplo: 14/03/1962.",
        ZH: "请问病人的出生日期？例如：1962年3月14日。",
    },
    P.ASK_CALLBACK_NUMBER: {
        EN: "What is the best phone number to reach you?",
        ES: "¿A qué número de teléfono le podemos llamar?",
        ZH: "请问最方便联系您的电话号码是多少？",
    },
    P.CONFIRM_CALLBACK: {
        EN: "We will call you at {digits}. Is that the best number?",
        ES: "Le llamaremos al {digits}. ¿Es el mejor número?",
        ZH: "我们会拨打{digits}联系您。这个号码可以吗？",
    },
    P.CALLBACK_ALT_HINT: {
        EN: "Reply yes, or type a different number.",
        ES: "Responda sí, o escriba otro número.",
        ZH: "可以的话请回复“对”，否则请输入其他号码。",
    },
    P.WORSE_911: {
        EN: "If it gets worse before then, call 911.",
        ES: "Si empeora antes, llame al 911.",
        ZH: "如果在此之前情况变得更严重，请拨打911。",
    },
    P.GOODBYE: {
        EN: "Thank you. Take care.",
        ES: "Gracias. Cuídese mucho.",
        ZH: "谢谢，请多保重。",
    },
    P.GAVE_UP_SILENT: {
        EN: "We have not heard back from you. If this is an emergency, call 911. "
        "I will let our team know you wrote.",
        ES: "No hemos recibido respuesta. Si es una emergencia, llame al 911. "
        "Le avisaré a nuestro equipo que usted escribió.",
        ZH: "我们没有收到您的回复。如果是紧急情况，请拨打911。我会通知我们的工作人员您联系过我们。",
    },
}


def phrase(key: P, lang: Language, *, typed: bool = False, **values: object) -> str:
    """The line ``key`` in ``lang`` (the typed-channel wording when ``typed``), filled in."""
    table = _TEXT.get(key) if typed else None
    template = (table or _VOICE[key])[lang]
    return template.format(**values) if values else template


def keys() -> tuple[P, ...]:
    """Every phrase key (for completeness checks)."""
    return tuple(P)


def has_text_variant(key: P) -> bool:
    """True when typed channels have their own wording for ``key``."""
    return key in _TEXT


def text_variant_languages(key: P) -> frozenset[Language]:
    """Languages the typed wording of ``key`` is written in."""
    return frozenset(_TEXT.get(key, {}))


def voice_languages(key: P) -> frozenset[Language]:
    """Languages the spoken wording of ``key`` is written in."""
    return frozenset(_VOICE.get(key, {}))
