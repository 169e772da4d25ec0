import { defineConfig } from "prisma/config";

// Prisma 7 reads the datasource URL from here, not from schema.prisma; env files are not loaded for us.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc" },
});
