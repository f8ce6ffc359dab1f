// PostGraphile 5 on the benchmark's database, for bench/pages/ (python -m bench.pages).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages PORT=8782 \
//     node_modules/.bin/node server.mjs
//
// The amber preset as it comes: every table of the public schema, no row-level
// security, no JWT, no sessions (see bench/pages/__init__.py for what that leaves out).
// GraphiQL, watch mode and EXPLAIN are off; node-postgres pool of POOL_SIZE (10).
import { createServer } from "node:http";

import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { postgraphile } from "postgraphile";

const port = Number(process.env.PORT ?? 8782);

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.POOL_SIZE ?? 10) },
    }),
  ],
  grafserv: { port, graphiql: false, watch: false, graphqlPath: "/graphql" },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, "127.0.0.1", () => console.log(`PostGraphile on http://127.0.0.1:${port}/graphql`));

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    server.close();
    await pgl.release();
    process.exit(0);
  });
}
