import type { Metadata } from "next";
import type { ReactNode } from "react";
// Inter ships inside the npm package (no font CDN): the type scale below is built on it.
import "@fontsource-variable/inter";
import "./globals.css";
import "./search.css";

export const metadata: Metadata = {
  title: "Tessera",
  description: "Brainstorm prompts together and watch images render live.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
