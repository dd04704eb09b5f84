// A frontend's read of relation 918 that survives 429 and 503: wait what Retry-After says (capped),
// then try again, at most 5 times. Run against a mock that fails on purpose:
//   make mock ARGS="--faults 503:50%,429:20% --fault-seed 11 --quiet"
//   node examples/fetch-with-retry.mjs http://127.0.0.1:4010
const base = process.argv[2] ?? "http://127.0.0.1:4010";
const auth = { Authorization: "Basic dGplMDpUamUw", Accept: "application/json" };

async function getWithRetry(url, tries = 5) {
  for (let attempt = 1; ; attempt++) {
    const answer = await fetch(url, { headers: auth });
    if (![429, 503].includes(answer.status) || attempt === tries) return answer;
    const wait = Math.min(Number(answer.headers.get("Retry-After") ?? 1), 5) * 100; // ms (scaled down for the demo)
    console.log(`attempt ${attempt}: ${answer.status}, Retry-After ${answer.headers.get("Retry-After")} s: waiting`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

const answer = await getWithRetry(`${base}/api/v1/Relation/918`);
const relation = await answer.json();
console.log(`${answer.status}: relation ${relation.RelationId}, ${relation.SourceContactName} -> ${relation.DestinationContactName}`);
