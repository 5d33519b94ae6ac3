import { defineConfig } from "vitest/config";

// The app is built into the Python package, which `landbridge serve` serves at `/` (src/landbridge/web/static.py).
export default defineConfig({
  base: "/",
  build: {
    outDir: "../src/landbridge/web/static",
    emptyOutDir: true,
    assetsInlineLimit: 0, // the basemap stays a file fetched from this origin, not a data: URL in the bundle
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    // `npm run dev` next to `landbridge serve` on port 8000
    proxy: { "/v1": "http://127.0.0.1:8000", "/health": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
