// A frontend's create-edit-delete flow on openapi-fetch, typed by what openapi-typescript generated from
// openapi/relation.yaml into ./relation.d.ts. test_openapi_typescript.py type-checks it with
// `tsc --noEmit` (strict), compiles it, and runs it under node against the mock:
// `node relation_flow.js BASE_URL`. Every step asserts what it got and throws at the first surprise
// (exit code 1, the step named); at the end it prints the steps it took as one JSON object.
import createClient from "openapi-fetch";
import type { components, paths } from "./relation.js";

type Entity = components["schemas"]["ContactRelationEntity"];
type Patch = components["schemas"]["RelationPatch"];

// The types know what the server refuses: `move` is no supported op, a merge patch has no unknown keys.
// @ts-expect-error `move` is not supported (400)
const moveOp: Patch = [{ op: "move", from: "/Comment", path: "/PassiveText" }];
// @ts-expect-error a merge patch names only the entity's properties
const unknownKey: Patch = { NoSuchProperty: 1 };
void moveOp;
void unknownKey;

const argv = (globalThis as unknown as { process: { argv: string[] } }).process.argv;
const client = createClient<paths>({ baseUrl: argv[2], headers: { Authorization: "Basic dGplMDpUamUw" } });
const STALE = "Mon, 01 Jan 2001 00:00:00 GMT";
const steps: string[] = [];

function expect(step: string, condition: boolean, detail: unknown): void {
  if (!condition) {
    throw new Error(`${step}: ${JSON.stringify(detail)}`);
  }
  steps.push(step);
}

// PATCH's error union also holds a route miss's text and Web API's `{"Message"}` 404: narrow it.
function errorType(error: unknown): unknown {
  return typeof error === "object" && error !== null && "ErrorType" in error ? error.ErrorType : undefined;
}

// 1. The entity the server pre-fills for a new relation: empty values, RelationId 0, no _Links.
const defaults = await client.GET("/api/v1/Relation/default");
expect(
  "GET /default 200, RelationId 0, no _Links",
  defaults.response.status === 200 && defaults.data?.RelationId === 0 && defaults.data._Links == null,
  { status: defaults.response.status, body: defaults.data ?? defaults.error },
);
if (defaults.data === undefined) throw new Error("unreachable");

// 2. Create: the default with the two mandatory references filled in.
const { _Links, TableRight, FieldProperties, ...prefilled } = defaults.data;
void _Links;
void TableRight;
void FieldProperties;
const draft: Entity = {
  ...prefilled,
  SourceContactId: 381,
  DestinationContactId: 262,
  Comment: "created by openapi-fetch",
};
const created = await client.POST("/api/v1/Relation", { body: draft });
const id = created.data?.RelationId ?? 0;
expect(
  "POST 200 with a new RelationId, _Links.Self and Last-Modified",
  created.response.status === 200 &&
    id > 0 &&
    created.data?.Comment === draft.Comment &&
    (created.data?._Links?.Self ?? "").endsWith(`/api/v1/Relation/${id}`) &&
    created.response.headers.get("Last-Modified") !== null,
  { status: created.response.status, body: created.data ?? created.error },
);
const at = { params: { path: { id } } };

// 3. Read it by the id the server handed out.
const read = await client.GET("/api/v1/Relation/{id}", at);
expect(
  "GET the created relation 200",
  read.response.status === 200 && read.data?.RelationId === id && read.data.Comment === draft.Comment,
  { status: read.response.status, body: read.data ?? read.error },
);

// 4. JSON Patch (RFC 6902): test the comment the frontend read, then replace it.
const jsonPatch: Patch = [
  { op: "test", path: "/Comment", value: "created by openapi-fetch" },
  { op: "replace", path: "/Comment", value: "patched by openapi-fetch" },
];
const patched = await client.PATCH("/api/v1/Relation/{id}", {
  ...at,
  body: jsonPatch,
  headers: { "Content-Type": "application/json-patch+json" },
});
expect(
  "PATCH json-patch (test + replace) 200",
  patched.response.status === 200 && patched.data?.Comment === "patched by openapi-fetch",
  { status: patched.response.status, body: patched.data ?? patched.error },
);

// 5. Merge patch (RFC 7396): null removes (the empty value), anything else replaces.
const mergePatch: Patch = { Comment: "merged by openapi-fetch", SourcePersonId: null };
const merged = await client.PATCH("/api/v1/Relation/{id}", {
  ...at,
  body: mergePatch,
  headers: { "Content-Type": "application/merge-patch+json" },
});
expect(
  "PATCH merge-patch 200",
  merged.response.status === 200 &&
    merged.data?.Comment === "merged by openapi-fetch" &&
    merged.data.SourcePersonId === 0 &&
    merged.data.SourceContactId === 381,
  { status: merged.response.status, body: merged.data ?? merged.error },
);

// 6. A failed `test` stops the whole PATCH: 409, and nothing changes.
const conflict = await client.PATCH("/api/v1/Relation/{id}", {
  ...at,
  body: [
    { op: "test", path: "/Comment", value: "not what is stored" },
    { op: "replace", path: "/Comment", value: "must not be saved" },
  ],
  headers: { "Content-Type": "application/json-patch+json" },
});
const afterConflict = await client.GET("/api/v1/Relation/{id}", at);
expect(
  "PATCH with a failing test 409, nothing changed",
  conflict.response.status === 409 &&
    errorType(conflict.error) === "JsonPatchTestFailedException" &&
    afterConflict.data?.Comment === "merged by openapi-fetch",
  { status: conflict.response.status, error: conflict.error, after: afterConflict.data?.Comment },
);

// 7. A stale If-Unmodified-Since on PATCH: 412, nothing changes.
const stalePatch = await client.PATCH("/api/v1/Relation/{id}", {
  params: { path: { id }, header: { "If-Unmodified-Since": STALE } },
  body: { Comment: "must not be saved either" },
  headers: { "Content-Type": "application/merge-patch+json" },
});
const afterStalePatch = await client.GET("/api/v1/Relation/{id}", at);
expect(
  "PATCH with a stale If-Unmodified-Since 412, nothing changed",
  stalePatch.response.status === 412 && afterStalePatch.data?.Comment === "merged by openapi-fetch",
  { status: stalePatch.response.status, error: stalePatch.error, after: afterStalePatch.data?.Comment },
);

// 8. PUT the whole entity back with one change (replace semantics).
if (afterStalePatch.data === undefined) throw new Error("unreachable");
const { _Links: links, ...current } = afterStalePatch.data;
void links;
const replaced = await client.PUT("/api/v1/Relation/{id}", {
  ...at,
  body: { ...current, SourceContactId: 381, DestinationContactId: 262, Comment: "replaced by PUT" },
});
expect(
  "PUT 200",
  replaced.response.status === 200 && replaced.data?.Comment === "replaced by PUT",
  { status: replaced.response.status, body: replaced.data ?? replaced.error },
);

// 9. A stale If-Unmodified-Since on DELETE: 412, the relation stays.
const staleDelete = await client.DELETE("/api/v1/Relation/{id}", {
  params: { path: { id }, header: { "If-Unmodified-Since": STALE } },
});
const afterStaleDelete = await client.GET("/api/v1/Relation/{id}", at);
expect(
  "DELETE with a stale If-Unmodified-Since 412, relation kept",
  staleDelete.response.status === 412 && afterStaleDelete.response.status === 200,
  { status: staleDelete.response.status, error: staleDelete.error, after: afterStaleDelete.response.status },
);

// 10. Delete: 204 with no body, then GET is 404.
const deleted = await client.DELETE("/api/v1/Relation/{id}", at);
const deletedBody = await deleted.response.text(); // openapi-fetch does not read a 204
expect("DELETE 204 with no body", deleted.response.status === 204 && deletedBody === "", {
  status: deleted.response.status,
  body: deletedBody,
});
const gone = await client.GET("/api/v1/Relation/{id}", at);
expect("GET after DELETE 404", gone.response.status === 404 && gone.data === undefined, {
  status: gone.response.status,
  error: gone.error,
});

console.log(JSON.stringify({ id, steps }));
