// A user's typed program on openapi-fetch, with the types openapi-typescript generated from
// openapi/relation.yaml into ./relation.d.ts. test_openapi_typescript.py type-checks it with
// `tsc --noEmit`, compiles it, and runs it under node: `node typed_put.js BASE_URL`.
// It PUTs relation 918, GETs it back, and prints what it saw as one JSON object.
import createClient from "openapi-fetch";
import type { components, paths } from "./relation.js";

type Entity = components["schemas"]["ContactRelationEntity"];

// Dates are strings (they were `unknown` while an anyOf branch had no `type`): tsc must refuse this.
// @ts-expect-error a number is not a date
const notADate: Entity = { UpdatedDate: 20200422 };
void notADate;

const argv = (globalThis as unknown as { process: { argv: string[] } }).process.argv;
const client = createClient<paths>({ baseUrl: argv[2], headers: { Authorization: "Basic dGplMDpUamUw" } });

const body: Entity = {
  SourceContactId: 381,
  SourcePersonId: 272,
  DestinationContactId: 262,
  DestinationPersonId: 492,
  Comment: "written by openapi-fetch",
  RelationDefinitionId: 47,
  Reversed: 812,
  UpdatedDate: "2020-04-22T15:51:25",
  CreatedDate: null,
  CreatedBy: { AssociateId: 910, Type: "AnonymousAssociate" },
};

const put = await client.PUT("/api/v1/Relation/{id}", { params: { path: { id: 918 } }, body });
if (put.data === undefined) {
  throw new Error(`PUT answered ${put.response.status}: ${JSON.stringify(put.error)}`);
}
const got = await client.GET("/api/v1/Relation/{id}", { params: { path: { id: 918 } } });
if (got.data === undefined) {
  throw new Error(`GET answered ${got.response.status}: ${JSON.stringify(got.error)}`);
}

// Typed as string | null: string methods compile without a cast.
const updated: string | null | undefined = got.data.UpdatedDate;
console.log(
  JSON.stringify({
    put: put.response.status,
    get: got.response.status,
    comment: got.data.Comment,
    updatedYear: updated?.slice(0, 4),
    createdByType: got.data.CreatedBy?.Type,
  }),
);
