// Below the ceiling: node:http alone, answering 200 without reading the body. The
// distance to bare Express is what Express itself costs per request.
export function createHandler({ path }) {
  return (req, res) => {
    if (req.method === "POST" && req.url === path) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("OK");
    } else {
      res.writeHead(404);
      res.end();
    }
  };
}
