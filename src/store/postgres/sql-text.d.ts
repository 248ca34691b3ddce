// Migrations are embedded in the binary as text: `import m from "./001_init.sql" with { type: "text" }`.
declare module "*.sql" {
  const text: string;
  export default text;
}
