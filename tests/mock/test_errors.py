"""Every refusal is a 4xx in the vendor's error shape, saying what was wrong and where."""

from __future__ import annotations

import httpx
import pytest

from tests.livemock import REFS, InProcessMock, mock_in_process
from tests.mock.conftest import AUTH

ERROR_KEYS = {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}


def _is_vendor_error(answer: httpx.Response, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) >= ERROR_KEYS
    assert body["Error"] is True
    return body


@pytest.mark.parametrize("content", [b"", b"   ", b"null"])
def test_a_missing_body_gives_400_entity_to_save_is_not_in_request_body(
    client: httpx.Client, content: bytes
) -> None:
    answer = client.put("/api/v1/Relation/918", content=content, headers={"Content-Type": "application/json"})
    error = _is_vendor_error(answer, 400)
    assert (error["ErrorType"], error["ErrorMessage"]) == (
        "ArgumentNullException",
        "Entity to save is not in request body.",
    )
    assert error["Violations"] == [
        {"Field": "body", "Problem": "missing" if content.strip() != b"null" else "null"}
    ]


def test_a_400_names_every_failing_field_not_only_the_first(client: httpx.Client) -> None:
    body = {"SourceContactId": "abc", "Reversed": 2**32, "CreatedBy": {"Type": "Employee"}, "Comment": 5}
    error = _is_vendor_error(client.put("/api/v1/Relation/918", json=body), 400)
    fields = {violation["Field"] for violation in error["Violations"]}  # type: ignore[attr-defined]
    assert fields == {"SourceContactId", "DestinationContactId", "Reversed", "CreatedBy/Type", "Comment"}
    for name in fields:
        assert name in str(error["ErrorMessage"])


def test_a_refused_body_changes_nothing(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    client.put("/api/v1/Relation/918", json={**REFS, "SourceContactId": 2**31})
    assert client.get("/api/v1/Relation/918").json() == before


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/json", b'{"Comment": '),
        ("application/json", b'{"SourceContactId": NaN}'),
        ("application/json", b'{"Comment": "\xff"}'),
        ("application/xml", b"<ContactRelationEntity><Comment>x</ContactRelationEntity>"),
        (
            "application/xml",
            b"<ContactRelationEntity><SourceContactId>x</SourceContactId></ContactRelationEntity>",
        ),
        ("application/x-www-form-urlencoded", b"SourceContactId=abc"),
        ("application/json-patch+json", b'[{"op": "move", "path": "/Comment", "from": "/ActiveText"}]'),
        ("application/merge-patch+json", b'{"Reversed": "x"}'),
    ],
)
def test_a_malformed_body_gives_400(client: httpx.Client, content_type: str, content: bytes) -> None:
    answer = client.put("/api/v1/Relation/918", content=content, headers={"Content-Type": content_type})
    _is_vendor_error(answer, 400)


def test_a_repeated_json_key_takes_its_last_value_as_json_net_does(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        content=b'{"SourceContactId": 381, "DestinationContactId": 262, "Comment": "1", "Comment": "last"}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.json()["Comment"] == "last"


def test_no_credentials_give_401_with_www_authenticate(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", json=REFS, headers={"Authorization": ""})
    _is_vendor_error(answer, 401)
    assert "Basic" in answer.headers["www-authenticate"]


@pytest.mark.parametrize("value", ["Basic", "Digest abc", "Basic !!!notbase64", "Basic " + "dXNlcg=="])
def test_a_malformed_or_unknown_authorization_gives_401(client: httpx.Client, value: str) -> None:
    _is_vendor_error(client.put("/api/v1/Relation/918", json=REFS, headers={"Authorization": value}), 401)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "soticket 7T:abc"},
        {"Authorization": "BEARER 8A:Cust1.token"},
        {"X-XSRF-TOKEN": "mock-xsrf-1"},
    ],
)
def test_each_documented_credential_is_accepted(memory_mock: InProcessMock, headers: dict[str, str]) -> None:
    with memory_mock.client() as anonymous:
        answer = anonymous.put("/api/v1/Relation/918", json={**REFS, "Comment": "x"}, headers=headers)
    assert answer.status_code == 200


@pytest.mark.parametrize("accept", ["aplication/json", "text/html", "text/plain", "image/png", "garbage;;"])
def test_an_accept_that_matches_nothing_gets_the_earned_answer_in_json_as_aspnet_gives_it(
    client: httpx.Client, accept: str
) -> None:
    answer = client.put("/api/v1/Relation/918", json={**REFS, "Comment": accept}, headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert client.get("/api/v1/Relation/918").json()["Comment"] == accept  # saved
    assert client.put("/api/v1/Relation/918", headers={"Accept": accept}).status_code == 400


def test_an_xml_body_with_an_accept_that_matches_nothing_is_answered_in_xml(client: httpx.Client) -> None:
    xml = (
        b"<ContactRelationEntity><SourceContactId>381</SourceContactId>"
        b"<DestinationContactId>262</DestinationContactId><Comment>x</Comment></ContactRelationEntity>"
    )
    answer = client.put(
        "/api/v1/Relation/918", content=xml, headers={"Content-Type": "text/xml", "Accept": "text/html"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")


def test_strict_accept_gives_406_for_an_accept_that_matches_nothing() -> None:
    with mock_in_process(strict_accept=True) as mock, mock.client(headers=AUTH) as http:
        answer = http.put("/api/v1/Relation/918", json=REFS, headers={"Accept": "aplication/json"})
        assert _is_vendor_error(answer, 406)["ErrorType"] == "NotAcceptableException"
        assert http.get("/api/v1/Relation/918", headers={"Accept": "*/*"}).status_code == 200


def test_an_unknown_content_type_gives_415(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", content=b"a,b", headers={"Content-Type": "text/csv"})
    assert "application/json" in str(_is_vendor_error(answer, 415)["ErrorMessage"])


@pytest.mark.parametrize("path", ["/api/v1/Relation/abc", "/api/v1/Relation/1.5", "/api/v1/Nothing", "/"])
def test_a_path_that_names_no_relation_gives_404(client: httpx.Client, path: str) -> None:
    _is_vendor_error(client.put(path, json=REFS), 404)


@pytest.mark.parametrize("relation_id", [2**31, -(2**31) - 1, 2**40])
def test_an_id_outside_int32_matches_no_route_and_gives_404(client: httpx.Client, relation_id: int) -> None:
    _is_vendor_error(client.put(f"/api/v1/Relation/{relation_id}", json=REFS), 404)
    _is_vendor_error(client.get(f"/api/v1/Relation/{relation_id}"), 404)


def test_an_undocumented_method_gives_405(client: httpx.Client) -> None:
    _is_vendor_error(client.post("/api/v1/Relation/918", json=REFS), 405)
    _is_vendor_error(client.put("/api/v1/Relation", json=REFS), 405)
    _is_vendor_error(client.delete("/api/v1/Relation/default"), 405)


def test_errors_follow_accept_xml(client: httpx.Client) -> None:
    answer = client.put("/api/v1/Relation/918", content=b"", headers={"Accept": "application/xml"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/xml")
    assert b"<ErrorMessage>Entity to save is not in request body.</ErrorMessage>" in answer.content


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic U0NIRU1BVEhFU0lTOnNlY3JldA=="},  # a user the mock does not know
        {"Authorization": "Bearer SCHEMATHESIS-INVALID-VALUE"},
        {"Authorization": "SOTicket not-a-ticket"},
        {"Authorization": "SCHEMATHESIS-INVALID-VALUE"},
        {"Authorization": "", "X-XSRF-TOKEN": "guessed"},
    ],
)
def test_credentials_the_mock_does_not_know_give_401(client: httpx.Client, headers: dict[str, str]) -> None:
    _is_vendor_error(client.put("/api/v1/Relation/918", json=REFS, headers=headers), 401)


def test_auth_any_accepts_any_well_formed_credential() -> None:
    with mock_in_process(auth_any=True) as mock, mock.client() as http:
        answer = http.get("/api/v1/Relation/918", headers={"Authorization": "Bearer whatever"})
        assert answer.status_code == 200
        assert http.get("/api/v1/Relation/918").status_code == 401


def test_a_lone_surrogate_escape_is_refused_and_nothing_is_stored(client: httpx.Client) -> None:
    before = client.get("/api/v1/Relation/918").json()
    for content in (b'{"Comment": "\\ud800"}', b'{"\\udbff": 1}', b'{"SourceContactId": "\\ud800"}'):
        _is_vendor_error(
            client.put("/api/v1/Relation/918", content=content, headers={"Content-Type": "application/json"}),
            400,
        )
    ok = client.put(
        "/api/v1/Relation/918",
        content=b'{"SourceContactId": 381, "DestinationContactId": 262, "Comment": "\\ud83d\\ude00"}',
        headers={"Content-Type": "application/json"},
    )
    assert ok.json()["Comment"] == "\U0001f600"
    client.put("/api/v1/Relation/918", json=before)


def test_form_values_that_are_not_utf8_give_400(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        content=b"Comment=%ED%A0%80",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _is_vendor_error(answer, 400)


def test_a_trailing_slash_is_the_same_relation_not_a_redirect(client: httpx.Client) -> None:
    answer = client.get("/api/v1/Relation/918/", headers={"Host": "evil.example"})
    assert answer.status_code == 200
    assert "location" not in answer.headers


def test_an_encoded_slash_names_no_relation(client: httpx.Client) -> None:
    for path in ("/api/v1/Relation/918%2F", "/api/v1/Relation/..%2F918"):
        _is_vendor_error(client.get(path), 404)


def test_a_405_says_which_methods_are_allowed(client: httpx.Client) -> None:
    answer = client.request("TRACE", "/api/v1/Relation/918")
    _is_vendor_error(answer, 405)
    assert answer.headers["allow"] == "PUT, GET, PATCH, DELETE"
    collection = client.get("/api/v1/Relation")
    _is_vendor_error(collection, 405)
    assert collection.headers["allow"] == "POST"
    default = client.put("/api/v1/relation/DEFAULT/", json=REFS)  # any case, trailing slash: still /default
    _is_vendor_error(default, 405)
    assert default.headers["allow"] == "GET"


def test_xml_with_another_root_or_text_for_an_object_gives_400(client: httpx.Client) -> None:
    for xml in (
        b"<a><Comment>x</Comment></a>",
        b"<ContactRelationEntity><FieldProperties>AAA</FieldProperties></ContactRelationEntity>",
    ):
        answer = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"})
        _is_vendor_error(answer, 400)


def test_oversized_headers_give_400_in_the_vendor_shape(client: httpx.Client) -> None:
    answer = client.get("/api/v1/Relation/918", headers={"X-Padding": "x" * 40_000})
    _is_vendor_error(answer, 400)


@pytest.mark.parametrize("digits", [12, 5000])
def test_an_id_with_very_many_digits_gives_404_not_500(client: httpx.Client, digits: int) -> None:
    _is_vendor_error(client.get("/api/v1/Relation/" + "1" * digits), 404)
    _is_vendor_error(client.put("/api/v1/Relation/" + "9" * digits, json=REFS), 404)


@pytest.mark.parametrize("code", ["\u00b2", "\u0664\u0661\u0662", "4" * 5000, "99"])
def test_a_prefer_code_that_is_not_an_http_status_gives_400(client: httpx.Client, code: str) -> None:
    _is_vendor_error(client.put("/api/v1/Relation/918", params={"__code": code}, json=REFS), 400)


def test_routing_errors_follow_accept_xml(client: httpx.Client) -> None:
    for answer in (
        client.get("/api/v1/Relation/abc", headers={"Accept": "application/xml"}),
        client.post("/api/v1/Relation/918", headers={"Accept": "application/xml"}),
    ):
        assert answer.headers["content-type"].startswith("application/xml")
        assert b"<Error>true</Error>" in answer.content


def test_repeated_form_fields_give_400(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        content=b"Comment=a&Comment=b&comment=c",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _is_vendor_error(answer, 400)["Violations"] == [
        {"Field": "Comment", "Problem": "appears more than once"}
    ]


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/x-www-form-urlencoded", b"SourceContactId=%D9%A1%D9%A2"),
        (
            "application/xml",
            b"<ContactRelationEntity><SourceContactId>1_000</SourceContactId></ContactRelationEntity>",
        ),
        ("application/json", b'{"SourceContactId": 1e400}'),
    ],
)
def test_numbers_are_ascii_digits_and_finite(client: httpx.Client, content_type: str, content: bytes) -> None:
    answer = client.put("/api/v1/Relation/918", content=content, headers={"Content-Type": content_type})
    _is_vendor_error(answer, 400)


def test_a_huge_body_of_errors_lists_at_most_50_violations(client: httpx.Client) -> None:
    xml = (
        b"<ContactRelationEntity>"
        + b"<SourceContactId>x</SourceContactId>" * 3000
        + b"</ContactRelationEntity>"
    )
    answer = client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"})
    assert len(_is_vendor_error(answer, 400)["Violations"]) <= 50  # type: ignore[arg-type]
    assert len(answer.content) < 20_000


def test_a_forced_status_answers_in_a_media_type_the_spec_lists_for_it(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918", json=REFS, headers={"Prefer": "code=413", "Accept": "application/xml"}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/json")


def test_a_cors_preflight_lists_only_the_methods_the_spec_documents_for_the_path(
    client: httpx.Client,
) -> None:
    def listed(path: str, method: str) -> set[str]:
        preflight = client.options(
            path, headers={"Origin": "http://a", "Access-Control-Request-Method": method}
        )
        assert preflight.status_code == 200
        return {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}

    assert listed("/api/v1/Relation/918", "PATCH") == {"GET", "PUT", "PATCH", "DELETE"}
    assert listed("/api/v1/Relation", "POST") == {"POST"}
    assert listed("/api/v1/Relation/default", "GET") == {"GET"}
    # The admin API grants no cross-origin call at all (test_admin_doors.py): no methods to list.
    admin = client.options(
        "/__admin/reset", headers={"Origin": "http://a", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-methods" not in admin.headers
    _is_vendor_error(client.post("/api/v1/Relation/918", json=REFS), 405)


def test_repeated_unknown_form_fields_are_ignored_like_any_unknown_field(client: httpx.Client) -> None:
    answer = client.put(
        "/api/v1/Relation/918",
        content=b"SourceContactId=381&DestinationContactId=262&Extra=1&Extra=2&Comment=kept",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert answer.json()["Comment"] == "kept"


MANDATORY = ("SourceContactId", "DestinationContactId")


@pytest.mark.parametrize("field", MANDATORY)
@pytest.mark.parametrize("value", [0, None, "absent"])
def test_a_mandatory_contact_reference_that_is_0_null_or_absent_gives_400_naming_it(
    client: httpx.Client, field: str, value: object
) -> None:
    before = client.get("/api/v1/Relation/918").json()
    body = {**REFS, "Comment": "no contact"}
    if value == "absent":
        del body[field]
    else:
        body[field] = value
    error = _is_vendor_error(client.put("/api/v1/Relation/918", json=body), 400)
    assert [v["Field"] for v in error["Violations"]] == [field]  # type: ignore[index]
    assert client.get("/api/v1/Relation/918").json() == before


def test_xml_and_form_bodies_are_held_to_the_mandatory_references_too(client: httpx.Client) -> None:
    xml = b"<ContactRelationEntity><SourceContactId>0</SourceContactId><Comment>x</Comment>"
    xml += b"</ContactRelationEntity>"
    error = _is_vendor_error(
        client.put("/api/v1/Relation/918", content=xml, headers={"Content-Type": "application/xml"}), 400
    )
    assert {v["Field"] for v in error["Violations"]} == set(MANDATORY)  # type: ignore[attr-defined]
    form = client.put("/api/v1/Relation/918", data={"SourceContactId": "381", "Comment": "x"})
    assert [v["Field"] for v in _is_vendor_error(form, 400)["Violations"]] == ["DestinationContactId"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"Authorization": ""}, "No credentials."),
        ({"Authorization": "Basic"}, "has scheme 'basic' but no credential"),
        ({"Authorization": "Basic !!!"}, "not base64 of user:password"),
        ({"Authorization": "Basic dGplMDp3cm9uZw=="}, "Unknown user or wrong password for 'tje0'"),
        ({"Authorization": "SOTicket 9X:nope"}, "The SOTicket is not valid."),
        ({"Authorization": "Bearer nope"}, "The Bearer token is not valid."),
        ({"Authorization": "Digest abc"}, "scheme 'digest' is not supported"),
        ({"Authorization": "", "X-XSRF-TOKEN": "guessed"}, "The X-XSRF-TOKEN is not valid."),
    ],
)
def test_a_401_says_what_was_wrong_with_the_credentials_and_how_to_send_them(
    client: httpx.Client, headers: dict[str, str], says: str
) -> None:
    message = str(_is_vendor_error(client.get("/api/v1/Relation/918", headers=headers), 401)["ErrorMessage"])
    assert says in message
    assert "Send an Authorization header (Basic, SOTicket or Bearer) or an X-XSRF-TOKEN header." in message
