"""The shipped wording: THRIVE-SP version 1 (published) and a THRIIVES example (a draft).

The wording is frozen here as it shipped; trainers change it by publishing new versions,
never by editing this file. Sources: the THRIVE definitions from a force's THRIVE policy;
the scene preservation questions and prevention wording from Dorset Police's THRIVE-SP
practice; voice-of-the-child prompts added after its QA.
"""

from django.db import migrations
from django.utils import timezone

GRADINGS = [
    ["immediate", "Immediate"],
    ["priority", "Priority"],
    ["scheduled", "Scheduled"],
    ["resolution_without_deployment", "Resolution without deployment"],
]
RISK_LEVELS = [["high", "High"], ["medium", "Medium"], ["standard", "Standard"]]


def text(field, label, error, hint="", required="always", show_when="always"):
    return {
        "field": field,
        "type": "text",
        "label": label,
        "hint": hint,
        "required": required,
        "show_when": show_when,
        "error": error,
    }


THREAT = {
    "key": "threat",
    "title": "Threat",
    "guidance": "A threat is a communicated or perceived intent to inflict harm or loss against another person.",
    "prompts": [
        text(
            "threat",
            "What is the threat?",
            "Enter the threat",
            "Who poses it, to whom, what has been said or done, and is it ongoing?",
        )
    ],
}
HARM = {
    "key": "harm",
    "title": "Harm",
    "guidance": "Harm is to do or to cause harm, for example to injure, damage or hurt, physically or psychologically.",
    "prompts": [
        text(
            "harm",
            "What harm has been caused, or could be?",
            "Enter the harm",
            "Physical, psychological, financial; to the caller, the victim and others present.",
        ),
        {
            "field": "children_involved",
            "type": "boolean",
            "label": "Are children involved?",
            "hint": "Living at the address, present, or the subject of the call.",
            "required": "always",
            "show_when": "always",
            "error": "Say whether children are involved",
        },
        text(
            "voice_of_child",
            "Voice of the child",
            "Record the voice of the child: what the child has seen, heard or said",
            "What has the child seen, heard or said? How are they affected, and what do they need? "
            "Record their words where you have them.",
            required="children_involved",
            show_when="children_involved",
        ),
    ],
}
RISK = {
    "key": "risk",
    "title": "Risk",
    "guidance": "Risk is the likelihood of the event occurring.",
    "prompts": [
        text(
            "risk",
            "How likely is the harm to happen, and how soon?",
            "Enter the risk",
            "Consider history, escalation and the ten principles of risk.",
        )
    ],
}
INVESTIGATION = {
    "key": "investigation",
    "title": "Investigation",
    "guidance": "Investigation is the act or process of examining a crime, problem or situation and considering what action is required.",
    "prompts": [
        text(
            "investigation",
            "What investigation is needed?",
            "Enter the investigation",
            "Suspect details, witnesses, CCTV, lines of enquiry for the attending officer.",
        )
    ],
}
VULNERABILITY = {
    "key": "vulnerability",
    "title": "Vulnerability",
    "guidance": (
        "A person is vulnerable if, as a result of their situation or circumstances, they are "
        "unable to take care of or protect themselves, or others, from harm or exploitation."
    ),
    "prompts": [
        text(
            "vulnerability",
            "Who is vulnerable, and why?",
            "Enter the vulnerability",
            "Look for hidden vulnerability: age, disability, mental health, isolation, repeat victimisation, "
            "modern slavery and exploitation.",
        ),
        {
            "type": "guidance",
            "label": "Voice of the child: vulnerability",
            "hint": "When children are involved, record in the voice of the child what makes each child "
            "vulnerable and who is caring for them now.",
            "required": "optional",
            "show_when": "children_involved",
        },
    ],
}
ENGAGEMENT = {
    "key": "engagement",
    "title": "Engagement",
    "guidance": "Engagement is where organisations and individuals build a positive relationship for the benefit of all parties.",
    "prompts": [
        text(
            "engagement",
            "How will we engage with the caller and victim?",
            "Enter the engagement",
            "What the caller was told to expect, partner agencies, and the victim's wishes.",
        )
    ],
}


def yes_no(field, label, error):
    return {
        "field": field,
        "type": "yes_no_unknown",
        "label": label,
        "hint": "",
        "required": "always",
        "show_when": "always",
        "error": error,
    }


SCENE = {
    "key": "scene_preservation",
    "title": "Scene preservation",
    "guidance": "Are there forensic opportunities? If so, please detail the advice given to the victim.",
    "prompts": [
        yes_no(
            "scene_preservation.forensic_opportunities",
            "Are there forensic opportunities?",
            "Answer whether there are forensic opportunities",
        ),
        yes_no(
            "scene_preservation.evidence_retainable",
            "Is there any evidence that can be retained to assist an investigation?",
            "Answer whether any evidence can be retained",
        ),
        yes_no(
            "scene_preservation.csi_required",
            "Does a crime scene investigator need to attend?",
            "Answer whether a crime scene investigator needs to attend",
        ),
        text(
            "scene_preservation.advice",
            "Please detail the advice given to the victim",
            "Enter the scene preservation advice given to the victim",
            "For example: do not touch or move items, keep the area closed, keep clothing in a paper bag.",
            required="any_preservation_yes",
            show_when="any_preservation_yes",
        ),
    ],
}
PREVENTION = {
    "key": "prevention",
    "title": "Prevention",
    "guidance": "Please detail the crime prevention advice given, consider signposting by sending a text link to the victim.",
    "prompts": [
        text(
            "prevention.advice",
            "Please detail the crime prevention advice given",
            "Enter the crime prevention advice given",
        ),
        {
            "field": "prevention.send_link",
            "type": "boolean",
            "label": "Send the victim a text with a link to the force's crime prevention advice?",
            "hint": "",
            "required": "always",
            "show_when": "always",
            "error": "Say whether a link text is to be sent",
        },
        {
            "field": "prevention.phone",
            "type": "phone",
            "label": "Victim's mobile number",
            "hint": "A UK mobile, like 07700 900123.",
            "required": "send_link",
            "show_when": "send_link",
            "error": "Enter the victim's mobile number",
        },
        {
            "field": "prevention.safe_to_text_confirmed",
            "type": "confirm",
            "label": "I have confirmed this number is the victim's own, it is safe to text, and the victim agrees",
            "hint": "A domestic abuse victim's phone may be watched. Ask before you send.",
            "required": "send_link",
            "show_when": "send_link",
            "error": "Confirm the number is the victim's own, safe to text, and the victim agrees",
        },
        text(
            "prevention.link_not_sent_reason",
            "Why is no link being sent?",
            "Enter why no link text is being sent",
            "For example: no mobile, not safe to text, the victim declined.",
            required="no_link",
            show_when="no_link",
        ),
    ],
}
DECISION = {
    "key": "decision",
    "title": "Risk level and grading",
    "guidance": "Your decision, with the rationale for it, from the National Decision Model.",
    "prompts": [
        {
            "field": "risk_level",
            "type": "choice",
            "label": "Risk level",
            "hint": "",
            "choices": RISK_LEVELS,
            "required": "always",
            "show_when": "always",
            "error": "Select the risk level",
        },
        {
            "field": "grading",
            "type": "choice",
            "label": "Grading",
            "hint": "",
            "choices": GRADINGS,
            "required": "always",
            "show_when": "always",
            "error": "Select the grading",
        },
        text("rationale", "Rationale for the risk level and grading", "Enter the rationale for the grading"),
    ],
}
INTELLIGENCE = {
    "key": "intelligence",
    "title": "Intelligence",
    "guidance": "What do we already know? Previous incidents, markers, warnings and intelligence checks.",
    "prompts": [
        text(
            "intelligence",
            "What intelligence is held?",
            "Enter the intelligence",
            "Systems checked and what they showed.",
        )
    ],
}
SPECIFIC_NEED = {
    "key": "specific_need",
    "title": "Specific need",
    "guidance": "Any specific need of the caller or victim: language, disability, communication, faith or culture.",
    "prompts": [
        text(
            "specific_need",
            "What specific needs does the caller or victim have?",
            "Enter any specific need, or say there is none",
        )
    ],
}

THRIVE_SP = [THREAT, HARM, RISK, INVESTIGATION, VULNERABILITY, ENGAGEMENT, SCENE, PREVENTION, DECISION]
THRIIVES = [
    THREAT,
    HARM,
    RISK,
    INVESTIGATION,
    INTELLIGENCE,
    VULNERABILITY,
    ENGAGEMENT,
    SPECIFIC_NEED,
    SCENE,
    PREVENTION,
    DECISION,
]


def create(apps, schema_editor):
    PromptSet = apps.get_model("thrive", "PromptSet")
    PromptSet.objects.create(
        family="thrive_sp",
        name="THRIVE-SP",
        version=1,
        status="published",
        sections=THRIVE_SP,
        published_at=timezone.now(),
        change_summary="The THRIVE-SP wording as first issued: THRIVE with scene preservation "
        "and prevention, and voice-of-the-child prompts in harm and vulnerability.",
    )
    PromptSet.objects.create(
        family="thriives",
        name="THRIIVES",
        version=1,
        status="draft",
        sections=THRIIVES,
        change_summary="An example of another force's model: THRIVE with Intelligence and "
        "Specific need. Not published.",
    )


def remove(apps, schema_editor):
    apps.get_model("thrive", "PromptSet").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("thrive", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
