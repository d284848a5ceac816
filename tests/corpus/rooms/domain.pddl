; A small typed domain exercising :typing, :negative-preconditions, :equality and constants.
(define (domain rooms)
  (:requirements :strips :typing :negative-preconditions :equality)
  (:types room - place robot key - thing)
  (:constants hall - room)
  (:predicates (at ?r - robot ?p - place) (locked ?p - room) (carrying ?r - robot ?k - key)
               (key-at ?k - key ?p - place) (opens ?k - key ?p - room))
  (:action move
    :parameters (?r - robot ?from - room ?to - room)
    :precondition (and (at ?r ?from) (not (locked ?to)) (not (= ?from ?to)))
    :effect (and (at ?r ?to) (not (at ?r ?from))))
  (:action take
    :parameters (?r - robot ?k - key ?p - room)
    :precondition (and (at ?r ?p) (key-at ?k ?p))
    :effect (and (carrying ?r ?k) (not (key-at ?k ?p))))
  (:action unlock
    :parameters (?r - robot ?k - key ?p - room)
    :precondition (and (at ?r hall) (carrying ?r ?k) (opens ?k ?p) (locked ?p))
    :effect (not (locked ?p))))
