import { HomePage } from "../src/components/HomePage.tsx";

export default function Page() {
  return <HomePage />;
}
