"""The realistic server's tenant: its records, how it reads bodies, and how it renders a relation.

A relation must reference contacts, persons (of those contacts) and a relation definition that
exist; names and texts are read from those records, whatever the body says (`Reversed` swaps the
definition's active and passive texts). Answers have .NET's dates (seven fractional digits), a null
CreatedBy, FieldRight masks named "Update", and `$select` leaves value types at their defaults.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl

DATACONTRACT = "http://schemas.datacontract.org/2004/07/SuperOffice.CRM.Services"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# A .NET DateTime: seven fractional digits, no offset.
FRACTION = ".1234567"
FIRST = ("TableRight", "FieldProperties")
EMPTY_DATE = "0001-01-01T00:00:00"
INT_FIELDS = frozenset(
    {"SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId", "RelationId",
     "RelationDefinitionId", "Reversed"}
)  # fmt: skip
DATE_FIELDS = frozenset({"UpdatedDate", "CreatedDate"})
DERIVED = ("SourceContactName", "SourcePersonName", "DestinationContactName", "DestinationPersonName",
           "ActiveText", "PassiveText")  # fmt: skip
REFERENCES = ("SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId",
              "RelationDefinitionId")  # fmt: skip

# The tenant's records: the seed relations' references (918 and 819) and one more of each.
CONTACTS = {
    381: "Pfannerstill, Romaguera and Smith",
    262: "Brekke, Cronin and Feest",
    380: "Legros-Price",
    95: "Olson, West and Green",
    7: "SuperOffice ASA",
}
PERSONS = {272: (381, "Feil-Kessler"), 492: (262, "Fisher LLC"), 374: (380, "Reynolds-Rolfson"),
           979: (95, "Renner-Gulgowski"), 70: (7, "Tje Olsen")}  # fmt: skip
# Definition id -> (Name, PassiveText): the seed's relations are reversed, so they read
# ActiveText "non" and PassiveText "voluptatem" (47), as the mock's fixtures give them.
DEFINITIONS = {47: ("voluptatem", "non"), 77: ("animi", "illum"), 5: ("Supplier of", "Customer of")}
# This tenant's Comment column (UTF-16 code units, as .NET and nvarchar count them).
COMMENT_LENGTH = 1000


def read_body(media: str, body: bytes) -> dict[str, Any] | None:
    """A body's properties as the server reads them (names lower-cased); None when it cannot be read."""
    try:
        if "json" in media:
            data = json.loads(body)
        elif "xml" in media:
            root = ET.fromstring(body)
            data = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in root}
        elif "x-www-form-urlencoded" in media:
            data = dict(parse_qsl(body.decode(), keep_blank_values=True))
        else:
            return None
    except (ValueError, ET.ParseError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(key).lower(): value for key, value in data.items()}


def references(lowered: dict[str, Any]) -> dict[str, Any] | None:
    """The reference fields of a body; None when one has the wrong type."""
    out: dict[str, Any] = {}
    for name in REFERENCES:
        value = lowered.get(name.lower())
        if value is None or (isinstance(value, str) and not value.strip()):
            out[name] = 0
        elif isinstance(value, int) and not isinstance(value, bool):
            out[name] = value
        elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            out[name] = int(value)
        else:
            return None  # a value of the wrong type: the mock's own 400 says so
    return out


def reference_problem(refs: dict[str, int]) -> str | None:
    for side in ("Source", "Destination"):
        contact, person = refs[f"{side}ContactId"], refs[f"{side}PersonId"]
        if contact not in CONTACTS:
            return f"{side}ContactId {contact}: no such contact (the value is mandatory)."
        if person and PERSONS.get(person, (None,))[0] != contact:
            return f"{side}PersonId {person} does not belong to contact {contact}."
    if refs["RelationDefinitionId"] not in DEFINITIONS:
        return f"RelationDefinitionId {refs['RelationDefinitionId']}: no such relation definition."
    return None


def too_long(comment: Any) -> bool:
    return (
        isinstance(comment, str) and len(comment.encode("utf-16-le", "surrogatepass")) // 2 > COMMENT_LENGTH
    )


def render(entity: dict[str, Any], selection: str | None) -> dict[str, Any]:
    """The tenant's JSON answer for a relation the mock rendered (`selection`: the `$select`)."""
    out = dict(entity)
    for name in DATE_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = dotnet_date(out[name])
    derive(out)
    out["CreatedBy"] = None
    out["TableRight"] = None
    if isinstance(out.get("FieldProperties"), dict):
        out["FieldProperties"] = {
            name: {**prop, "FieldRight": {"Mask": "Update", "Reason": ""}} if isinstance(prop, dict) else prop
            for name, prop in out["FieldProperties"].items()
        }
        if isinstance(out["FieldProperties"].get("Comment"), dict):
            out["FieldProperties"]["Comment"]["FieldLength"] = COMMENT_LENGTH
    if selection:
        if out.get("RelationId"):
            base = f"https://sod.example.com/Cust12345/api/v1/Relation/{out['RelationId']}/"
            out["_Links"] = {"Self": base, "Archive": "https://sod.example.com/Cust12345/api/v1/Relation/"}
        out = _project(out, selection)
    ordered = {name: out[name] for name in FIRST if name in out}
    ordered.update((name, value) for name, value in out.items() if name not in FIRST and name != "_Links")
    if "_Links" in out:
        ordered["_Links"] = out["_Links"]
    return ordered


def _project(entity: dict[str, Any], raw: str) -> dict[str, Any]:
    """`$select` as .NET does it: unselected reference types null, value types their defaults."""
    whole: set[str] = set()
    members: dict[str, set[str]] = {}
    for item in raw.split(","):
        parent, _, member = (part.strip().lower() for part in item.strip().partition("/"))
        if member:
            members.setdefault(parent, set()).add(member)
        elif parent:
            whole.add(parent)
    out: dict[str, Any] = {}
    for name, value in entity.items():
        lowered = name.lower()
        if lowered in whole or name == "_Links":
            out[name] = value
        elif lowered in members and isinstance(value, dict):
            keep = members[lowered]
            out[name] = {key: item if key.lower() in keep else _unset(item) for key, item in value.items()}
        else:
            out[name] = 0 if name in INT_FIELDS else EMPTY_DATE if name in DATE_FIELDS else None
    return out


def _unset(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    return 0 if isinstance(value, int) else None


def derive(out: dict[str, Any]) -> None:
    """Names and texts from the tenant's records (a field `$select` nulled stays null)."""
    derived = {
        "SourceContactName": CONTACTS.get(out.get("SourceContactId") or 0, ""),
        "SourcePersonName": PERSONS.get(out.get("SourcePersonId") or 0, (0, ""))[1],
        "DestinationContactName": CONTACTS.get(out.get("DestinationContactId") or 0, ""),
        "DestinationPersonName": PERSONS.get(out.get("DestinationPersonId") or 0, (0, ""))[1],
    }
    active, passive = DEFINITIONS.get(out.get("RelationDefinitionId") or 0, ("", ""))
    if out.get("Reversed"):
        active, passive = passive, active
    derived.update(ActiveText=active, PassiveText=passive)
    for name, value in derived.items():
        if out.get(name) is not None:
            out[name] = value


def dotnet_date(value: str) -> str:
    """A set date with .NET's seven fractional digits; the empty date as .NET writes DateTime.MinValue."""
    head = value.split("+")[0].rstrip("Z").split(".")[0]
    if head == EMPTY_DATE:
        return EMPTY_DATE
    return head + FRACTION if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", head) else value


def render_xml(body: bytes, root_name: str = "ContactRelationEntityWithLinks") -> bytes:
    """The tenant's XML answer: DataContractSerializer's namespace, derived names, a nil CreatedBy."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in root}
    entity = {name: int(text) if name in INT_FIELDS and text.lstrip("-").isdigit() else text
              for name, text in values.items()}  # fmt: skip
    derive(entity)
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        element.tag = f"{{{DATACONTRACT}}}{local}"
        if local in DATE_FIELDS and element.text:
            element.text = dotnet_date(element.text)
    root.tag = f"{{{DATACONTRACT}}}{root_name}"
    for child in root:
        local = child.tag.rsplit("}", 1)[-1]
        if local == "CreatedBy":
            child.clear()
            child.set(f"{{{XSI}}}nil", "true")
        elif local in DERIVED and child.get(f"{{{XSI}}}nil") != "true":
            child.text = entity[local]
    ET.register_namespace("", DATACONTRACT)
    ET.register_namespace("i", XSI)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)
