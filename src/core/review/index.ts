export { ReviewTask } from "./task.js";
